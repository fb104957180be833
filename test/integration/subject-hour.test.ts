// The trail's subject look-up (migration 0017, `subject_hour`): the migration carries the events
// already stored over, its view keeps it equal to what the events say as batches (and redelivered
// ones) arrive, and the trail found through it misses nothing: a session's events hours apart,
// its events under another principal, and an event without a principal related to a principal's
// own trail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { TrailPage } from '../../src/api/trails/schema.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import { ChdbStore, migrate, type Store } from '../../src/store/index.js';
import { apiServer, closeAll, httpRecords, keyOf } from '../support/api.js';
import { runCli, tempDir } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';

const BEFORE_SUBJECT_HOUR = 16;
const T0 = Date.parse('2026-11-10T09:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const RANGE = 'from=2026-11-10T00:00:00Z&to=2026-11-11T00:00:00Z';

let seq = 0;
const sam = { tenant: 'acme', principal_id: 'sam@acme.example', device_id: 'd-sam', src_ip: '81.2.69.20', session_id: 's-sam' };
// Sam's session runs from 09:10 to 12:40; one decision in it is recorded under a service account
// (another principal), one without a principal; the token is issued at 09:11 and used at 12:39.
const story = [
  { ...sam, kind: 'auth', emitter_id: 'idp', time: at(10), outcome: 'success', correlation_id: 'c-sam' },
  { ...sam, kind: 'token', emitter_id: 'tok', time: at(11), activity: 'issue', token_id: 'jti-sam', correlation_id: 'c-sam' },
  { ...sam, kind: 'policy', emitter_id: 'pep', time: at(95), decision: 'allow', app: 'crm', principal_id: 'svc-sync' },
  { ...sam, kind: 'policy', emitter_id: 'pep', time: at(130), decision: 'deny', app: 'crm', principal_id: undefined },
  { ...sam, kind: 'token', emitter_id: 'tok', time: at(219), activity: 'use', token_id: 'jti-sam' },
  { ...sam, kind: 'policy', emitter_id: 'pep', time: at(220), decision: 'allow', app: 'crm' },
].map((e) => ({ ...e, emitter_seq: ++seq }));

/** What subject_hour should hold: every (tenant, subject, value, hour, principal) the events name. */
const EXPECTED = `
  SELECT DISTINCT tenant, subject, value, toStartOfHour(time) AS hour, principal_id
  FROM events
  ARRAY JOIN ['session_id', 'token_id', 'src_ip', 'device_id', 'principal_id'] AS subject,
             [session_id, token_id, src_ip, device_id, principal_id] AS value
  WHERE value != '' OR subject = 'principal_id'
  ORDER BY ALL`;
const STORED = 'SELECT DISTINCT tenant, toString(subject) AS subject, value, hour, principal_id FROM subject_hour ORDER BY ALL';

describe('subject_hour: the trail finds a session, token, address or device through it', () => {
  let store: Store;
  let pipeline: IngestPipeline;
  let app: FastifyInstance;
  let simulated: string[];
  const compare = async () => {
    const expected = await store.query(EXPECTED);
    expect(expected.length).toBeGreaterThan(100);
    expect(await store.query(STORED)).toEqual(expected.map((r) => ({ ...r, subject: String(r.subject) })));
  };

  beforeAll(async () => {
    store = new ChdbStore(tempDir('subject-hour'));
    await migrate(store, { retentionDays: 400, target: BEFORE_SUBJECT_HOUR });
    pipeline = new IngestPipeline(store, pipelineOptions(), {});
    const sim = await runCli(['simulate', '--events', '1500', '--seed', '7', '--start', '2026-11-10T08:00:00Z']);
    simulated = sim.stdout.trim().split('\n');
    expect((await pipeline.processBatch(httpRecords(simulated.slice(0, 1000)))).rejected).toBe(0);
    const { applied } = await migrate(store, { retentionDays: 400 });
    expect(applied[0]).toBe('0017_subject_hour');
    app = apiServer(store);
  });
  afterAll(() => closeAll(app, store));

  const page = async (qs: string) => {
    const res = await app.inject({ url: `/api/v1/trails?${RANGE}&${qs}`, headers: { authorization: `Bearer ${keyOf('analyst')}` } });
    expect(res.statusCode, res.body).toBe(200);
    return TrailPage.parse(res.json()).events.map(
      (e) => `${e.time.slice(11, 16)} ${e.kind} ${e.principal_id || '-'}${e.related ? ' related' : ''}`,
    );
  };

  it('carries the events stored before it over (the backfill)', compare);

  it('follows the events that arrive after it, a redelivered batch included', async () => {
    expect((await pipeline.processBatch(httpRecords([...simulated.slice(1000), ...story]))).rejected).toBe(0);
    expect((await pipeline.processBatch(httpRecords([...simulated.slice(900, 1100), ...story]))).rejected).toBe(0);
    await compare();
  });

  it("finds a session's events in every hour and under every principal it was seen with", async () => {
    expect(await page('session_id=s-sam&related=false')).toEqual([
      '09:10 auth sam@acme.example',
      '09:11 token sam@acme.example',
      '10:35 policy svc-sync',
      '11:10 policy -',
      '12:39 token sam@acme.example',
      '12:40 policy sam@acme.example',
    ]);
    // Two subjects: the hours and principals where both were seen.
    expect(await page('session_id=s-sam&token_id=jti-sam&related=false')).toEqual([
      '09:11 token sam@acme.example',
      '12:39 token sam@acme.example',
    ]);
    expect(await page('src_ip=81.2.69.20&principal=svc-sync&related=false')).toEqual(['10:35 policy svc-sync']);
    expect(await page('device=d-sam&decision=deny')).toEqual(['11:10 policy -']);
  });

  // Related: the events of the same principals, or of none, that share a session or correlation id.
  it("relates a token's session hours away, and to a principal's trail the event without a principal", async () => {
    expect(await page('token_id=jti-sam')).toEqual([
      '09:10 auth sam@acme.example related',
      '09:11 token sam@acme.example',
      '11:10 policy - related',
      '12:39 token sam@acme.example',
      '12:40 policy sam@acme.example related',
    ]);
    expect(await page('principal=sam@acme.example')).toEqual([
      '09:10 auth sam@acme.example',
      '09:11 token sam@acme.example',
      '11:10 policy - related',
      '12:39 token sam@acme.example',
      '12:40 policy sam@acme.example',
    ]);
  });
});
