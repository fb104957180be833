// `ztna forget`: one principal's records of every kind leave the store (events, the rollups that
// name them, anomalies about them and their part of others' evidence, dead letters naming them),
// counted before and after beside another principal's and the same principal's in another tenant;
// the API no longer shows them; the audit event names them by HMAC only; and a running replica's
// scorers forget them when the control message arrives through a real broker.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Kafka } from 'kafkajs';
import { pino } from 'pino';
import { ERASE_STEPS, forget, type ForgetSummary } from '../../src/commands/forget.js';
import type { Anomaly } from '../../src/detect/anomaly.js';
import { AnomalyProcessor } from '../../src/detect/processor.js';
import { createScorers } from '../../src/detect/scorers.js';
import { normalizeRecord, type CanonicalEvent, type Kind } from '../../src/events/index.js';
import { ensureTopics, kafkaClient, kafkaSetupFailure } from '../../src/kafka/client.js';
import { principalFingerprint, startControlConsumer } from '../../src/pipeline/control.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import { StoreAnomalySink } from '../../src/sinks/anomalies.js';
import type { Store } from '../../src/store/index.js';
import { sealClosedMinutes } from '../../src/store/sealMinutes.js';
import { apiServer, closeAll, httpRecords, requestsAs } from '../support/api.js';
import { HMAC_KEY, normalizeOptions, runCli, tempDir } from '../support/helpers.js';
import { connectClients, startConsumer, stopGracefully, testKafka, uniqueTopics, waitCaughtUp } from '../support/kafkaConsumer.js';
import { pipelineOptions } from '../support/pipeline.js';
import { migratedStore, queryCount } from '../support/store.js';
import { waitFor } from '../support/wait.js';

const ANN = 'ann@acme.example'; // erased, in tenant acme
const BOB = 'bob@acme.example'; // kept
// Recent, so the risk summary's period holds them: from two hours before this hour began.
const T0 = Math.floor(Date.now() / 3600_000) * 3600_000 - 2 * 3600_000;
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const RANGE = `from=${new Date(T0 - 3600_000).toISOString()}&to=${new Date(T0 + 2 * 3600_000).toISOString()}`;

let seq = 0;
/** Every kind for one principal: posture, a login, a token issued then replayed from elsewhere, decisions allowed and denied. */
function story(principal: string, tenant: string, n: number) {
  const who = { tenant, principal_id: principal, device_id: `d-${n}`, src_ip: `81.2.69.${n}`, geo_country: 'FR', app: 'crm' };
  const session = { ...who, session_id: `s-${n}-${tenant}` };
  return [
    { ...who, kind: 'posture', emitter_id: 'agent', time: at(1), compliant: true, checks: [{ name: 'edr', passed: true }] },
    { ...session, kind: 'auth', emitter_id: 'idp', time: at(2), outcome: 'success' },
    { ...who, kind: 'token', emitter_id: 'tok', time: at(3), activity: 'issue', token_id: `jti-${n}-${tenant}`, expires_at: at(30) },
    { ...session, kind: 'policy', emitter_id: 'pep', time: at(4), decision: 'allow', policy_id: 'crm/allow', policy_version: 'v1' },
    { ...session, kind: 'policy', emitter_id: 'pep', time: at(5), decision: 'deny', policy_id: 'crm/allow', policy_version: 'v1' },
    // The token used from another device, network and country: a token replay anomaly about this principal.
    {
      ...who,
      kind: 'token',
      emitter_id: 'tok',
      time: at(6),
      activity: 'use',
      token_id: `jti-${n}-${tenant}`,
      device_id: 'd-x',
      src_ip: '45.1.2.3',
      geo_country: 'VN',
    },
  ];
}
/** Failed logins of both principals from one network, interleaved in one minute: a burst per principal, and one of the network naming both. */
const failures = Array.from({ length: 24 }, (_, i) => ({
  tenant: 'acme',
  kind: 'auth',
  emitter_id: 'idp',
  time: new Date(T0 + 10 * 60_000 + i * 1000).toISOString(),
  outcome: 'failure',
  principal_id: i % 2 === 0 ? ANN : BOB,
  src_ip: '45.9.9.9',
}));
/** A story's rows in subject_hour (one hour): its session, token, 3 addresses, 2 devices and the principal. */
const SUBJECT_HOURS = 8;
const events = [...story(ANN, 'acme', 1), ...story(BOB, 'acme', 2), ...story(ANN, 'globex', 3), ...failures]
  .map((e) => ({ ...e, emitter_seq: ++seq }))
  .sort((a, b) => a.time.localeCompare(b.time));
// Dead letters (a time that is not one): each names a principal; joann's holds ann's id inside a longer one.
const deadLetters = [ANN, BOB, 'joann@acme.example'].map((p) =>
  JSON.stringify({ kind: 'auth', tenant: 'acme', principal_id: p, time: 'yesterday' }),
);

/** Rows of each table that hold the principal (of the tenant, where the table has one). */
async function rowsOf(store: Store, principal: string, tenant: string) {
  const p = { p: principal, t: tenant };
  const count = (sql: string) => queryCount(store, sql, p);
  return {
    events: await count('SELECT count() AS n FROM events WHERE principal_id = {p:String} AND tenant = {t:String}'),
    principal_hour: await count('SELECT count() AS n FROM principal_hour WHERE principal_id = {p:String} AND tenant = {t:String}'),
    subject_hour: await count('SELECT count() AS n FROM subject_hour WHERE principal_id = {p:String} AND tenant = {t:String}'),
    principal_app_day: await count('SELECT count() AS n FROM principal_app_day WHERE principal_id = {p:String} AND tenant = {t:String}'),
    denial_minute: await count('SELECT count() AS n FROM denial_minute WHERE principal_id = {p:String} AND tenant = {t:String}'),
    denial_minute_sealed: await count(
      'SELECT count() AS n FROM denial_minute_sealed WHERE principal_id = {p:String} AND tenant = {t:String}',
    ),
    anomalies: await count(
      `SELECT count() AS n FROM anomalies WHERE tenant = {t:String} AND (key = concat('principal:', {p:String}) OR position(evidence, concat('"', {p:String}, '"')) > 0)`,
    ),
    dead_letters: await count(`SELECT count() AS n FROM rejected_events WHERE position(raw, concat('"', {p:String}, '"')) > 0`),
  };
}

describe('ztna forget', () => {
  let store: Store;
  let app: FastifyInstance;
  let kafka: Kafka;
  let replica: AnomalyProcessor;
  let control: { stop(): Promise<void> } | undefined;
  let summary: ForgetSummary;
  const topic = `ztna.control.${randomUUID()}`;
  const before = {} as Record<'ann' | 'bob' | 'annGlobex', Awaited<ReturnType<typeof rowsOf>>>;
  const after = {} as typeof before;
  let replicaSizesBefore: { tokenReplay: number; denialBurst: number };

  beforeAll(async () => {
    store = await migratedStore(tempDir('forget'));
    const processor = new AnomalyProcessor(createScorers(), [new StoreAnomalySink(store)]);
    const pipeline = new IngestPipeline(store, pipelineOptions(), { processors: [processor] });
    const result = await pipeline.processBatch(httpRecords([...events, ...deadLetters]));
    expect(result.rejected).toBe(deadLetters.length);
    expect(result.normalized).toBe(events.length);
    await sealClosedMinutes(store); // the denied decision's minute is sealed: its count names the principal too
    app = apiServer(store);

    // A running replica: its own scorers, which have seen the same events.
    replica = new AnomalyProcessor(createScorers(), []);
    await replica.process(events.map(normalized));
    replicaSizesBefore = { tokenReplay: replica.scorers.tokenReplay.size, denialBurst: replica.scorers.denialBurst.size };
    const log = pino({ level: 'silent' });
    kafka = kafkaClient({ brokers: [inject('kafkaBrokers')], clientId: 'forget-test' }, log);
    await ensureTopics(kafka, [topic], 1);
    control = await startControlConsumer(
      kafka,
      { topic, groupId: 'forget-test', sessionTimeoutMs: 6000, fatal: kafkaSetupFailure },
      [replica],
      Buffer.from(HMAC_KEY),
      log,
    );

    before.ann = await rowsOf(store, ANN, 'acme');
    before.bob = await rowsOf(store, BOB, 'acme');
    before.annGlobex = await rowsOf(store, ANN, 'globex');
    summary = await forget(
      { principal: ANN, tenant: 'acme' },
      {
        store,
        hmacKey: Buffer.from(HMAC_KEY),
        defaultTenant: 'default',
        control: { kafka, topic, partitions: 1 },
        by: 'dpo@acme.example',
      },
    );
    after.ann = await rowsOf(store, ANN, 'acme');
    after.bob = await rowsOf(store, BOB, 'acme');
    after.annGlobex = await rowsOf(store, ANN, 'globex');
  });
  afterAll(async () => {
    await control?.stop();
    await closeAll(app, store);
  });

  it("deletes the principal's rows of every table, and only theirs", () => {
    // Every kind, the two rollups and the sealed denial counts (one denied decision), anomalies (their incident: the token replay, their login burst joined; the network's burst naming them), their dead letter.
    expect(before.ann).toEqual({
      events: 6 + 12,
      principal_hour: 1,
      subject_hour: SUBJECT_HOURS,
      principal_app_day: 1,
      denial_minute: 1,
      denial_minute_sealed: 1,
      anomalies: 2,
      dead_letters: 1,
    });
    expect(after.ann).toEqual({
      events: 0,
      principal_hour: 0,
      subject_hour: 0,
      principal_app_day: 0,
      denial_minute: 0,
      denial_minute_sealed: 0,
      anomalies: 0,
      dead_letters: 0,
    });
    expect(after.bob).toEqual(before.bob);
    expect(before.bob).toEqual({
      events: 6 + 12,
      principal_hour: 1,
      subject_hour: SUBJECT_HOURS,
      principal_app_day: 1,
      denial_minute: 1,
      denial_minute_sealed: 1,
      anomalies: 2,
      dead_letters: 1,
    });
    // The same id in another tenant is someone else's record: --tenant acme leaves it.
    // A dead letter has no tenant (it could not be read): the one naming the principal went whatever the tenant.
    expect(after.annGlobex).toEqual({ ...before.annGlobex, dead_letters: 0 });
    expect(before.annGlobex.events).toBe(6);
    expect(summary.deleted).toEqual({
      events: 18,
      principal_hour: 1,
      subject_hour: SUBJECT_HOURS,
      principal_app_day: 1,
      denial_minute: 1,
      denial_minute_sealed: 1,
      anomalies_subject: 1,
      anomalies_evidence: 1,
      rejected_events: 1,
    });
  });

  it("keeps the anomaly of the network both attacked from, without the principal's events in its evidence", async () => {
    const rows = await store.query<{ evidence: string }>("SELECT evidence FROM anomalies FINAL WHERE key LIKE 'src_net:%'");
    expect(rows).toHaveLength(1);
    const evidence = JSON.parse(rows[0]!.evidence) as { events: Array<{ principal_id: string }>; reasons: string[] };
    expect(evidence.events.length).toBeGreaterThan(0);
    expect(evidence.events.every((e) => e.principal_id === BOB)).toBe(true);
    expect(evidence.reasons.length).toBeGreaterThan(0);
    // A dead letter naming someone whose id holds the principal's is not theirs.
    expect(await queryCount(store, "SELECT count() AS n FROM rejected_events WHERE position(raw, 'joann@') > 0")).toBe(1);
  });

  it('trails, sessions, anomalies and the risk summary no longer show the principal in that tenant, and still show the others', async () => {
    const analyst = requestsAs(app, 'analyst');
    const trail = await analyst(`/api/v1/trails?${RANGE}&limit=1000`);
    expect(trail.statusCode, trail.body).toBe(200);
    const shown = (trail.json() as { events: Array<{ principal_id: string; tenant: string }> }).events;
    expect(shown.filter((e) => e.principal_id === BOB)).toHaveLength(18);
    expect(shown.filter((e) => e.principal_id === ANN).map((e) => e.tenant)).toEqual(Array(6).fill('globex'));

    expect((await analyst(`/api/v1/sessions/s-1-acme?${RANGE}`)).statusCode).toBe(404);
    expect((await analyst(`/api/v1/sessions/s-2-acme?${RANGE}`)).statusCode).toBe(200);

    const anomalies = await analyst(`/api/v1/anomalies?${RANGE}&tenant=acme`);
    expect(anomalies.statusCode, anomalies.body).toBe(200);
    const listed = JSON.stringify(anomalies.json());
    expect(listed).not.toContain(ANN);
    expect(listed).toContain(BOB);

    const risk = await requestsAs(app, 'executive')('/api/v1/risk-summary?period=7d&tenant=acme');
    expect(risk.statusCode, risk.body).toBe(200);
    const principals = (risk.json() as { top_risky_principals: Array<{ principal_id: string }> }).top_risky_principals.map(
      (p) => p.principal_id,
    );
    expect(principals).toContain(BOB);
    expect(principals).not.toContain(ANN);
  });

  it('records the erasure as an audit event holding the HMAC of the principal, never the name', async () => {
    const rows = await store.query<Record<string, unknown>>("SELECT * FROM events WHERE policy_id = 'ztna/erasure'");
    expect(rows).toHaveLength(1);
    const hmac = principalFingerprint(Buffer.from(HMAC_KEY), ANN);
    expect(summary.principal_hmac).toBe(hmac);
    expect(rows[0]).toMatchObject({ kind: 'policy', tenant: 'acme', principal_id: 'dpo@acme.example', action: 'forget-principal' });
    expect(rows[0]!.reasons).toContain(`erased principal ${hmac}`);
    expect(JSON.stringify(rows[0])).not.toContain('ann@');
  });

  it("a running replica's scorers forget the principal when the control message arrives", async () => {
    // Ann's token and session in acme go; her session in globex, and Bob's, stay. Her login burst's key goes.
    await waitFor('the replica to forget ann', async () => replica.scorers.tokenReplay.size === replicaSizesBefore.tokenReplay - 2);
    expect(replica.scorers.denialBurst.size).toBe(replicaSizesBefore.denialBurst - 1);
    // Her token used after its expiry: nothing is held for it any more, so nothing is raised; Bob's is judged against what he was issued.
    const late = (principal: string, n: number) =>
      normalized({
        tenant: 'acme',
        kind: 'token',
        emitter_id: 'tok',
        emitter_seq: ++seq,
        time: at(40),
        activity: 'use',
        token_id: `jti-${n}-acme`,
        principal_id: principal,
      });
    const raised: string[] = [];
    const sink = { publish: async (found: readonly { key: string }[]) => void raised.push(...found.map((a) => a.key)) };
    const probe = new AnomalyProcessor(replica.scorers, [sink]);
    await probe.process([late(ANN, 1), late(BOB, 2)]);
    expect(raised).toEqual(['token:jti-2-acme']);
  });
});

describe('a scorer forgetting a principal', () => {
  it("keeps another key's counts and distinct principals, without the principal's events in its evidence", () => {
    const scorer = createScorers().denialBurst;
    // Nine failed logins from one network, ann and bob in turn: one short of a burst.
    for (const e of failures.slice(0, 9)) expect(scorer.observe(normalized(e))).toEqual([]);
    expect(scorer.forgetPrincipal((principal, tenant) => principal === ANN && tenant === 'acme')).toBe(1); // her own key
    const [burst, ...others] = scorer.observe(normalized(failures[9]!));
    expect(others).toEqual([]);
    expect(burst).toMatchObject({ key: 'src_net:45.9.9.0/24', evidence: { baseline: { distinct_principals: 2 } } });
    expect(burst!.evidence.reasons[0]).toMatch(/^10 denials in the minute/);
    expect(burst!.evidence.events.map((e) => e.principal_id)).toEqual([BOB, BOB, BOB]);
  });
});

describe('anomalies waiting to be published when a principal is forgotten', () => {
  it("are published without the principal's: the ones about them dropped, their events cut from the others", async () => {
    const forgetAnn = (principal: string, tenant: string) => principal === ANN && tenant === 'acme';
    const published: Anomaly[] = [];
    let calls = 0;
    // The first publish is refused, and the erasure arrives while it is in flight; the next is taken.
    const sink = {
      publish: async (anomalies: readonly Anomaly[]) => {
        if (++calls > 1) return void published.push(...anomalies);
        processor.forgetPrincipal(forgetAnn);
        throw new Error('the store is busy');
      },
    };
    const processor = new AnomalyProcessor(createScorers(), [sink]);
    await processor.process(events.filter((e) => e.tenant === 'acme').map(normalized));
    expect(calls).toBe(1);
    await processor.process([]);
    expect(calls).toBe(2);
    // Bob's incident (his token replay, his login burst joined) and the network's burst: ann's incident is gone.
    expect(published.map((a) => a.key).sort()).toEqual(['src_net:45.9.9.0/24', 'token:jti-2-acme']);
    expect(published.find((a) => a.key === 'token:jti-2-acme')?.evidence.related?.map((r) => r.key)).toContain(`principal:${BOB}`);
    expect(JSON.stringify(published)).not.toContain(ANN);
  });
});

describe('the `ztna forget` command', () => {
  it('erases from the data directory, tells the control topic by HMAC only, and finds nothing left the second time', async () => {
    const dir = tempDir('forget-cli');
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, [...events, ...deadLetters].map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('\n'));
    const topic = `ztna.control.${randomUUID()}`;
    const env = {
      ZTNA_DATA_DIR: join(dir, 'data'),
      ZTNA_HMAC_KEY: HMAC_KEY,
      KAFKA_BROKERS: inject('kafkaBrokers'),
      ZTNA_TOPIC_CONTROL: topic,
    };
    const imported = await runCli(['import', file], { env });
    expect(imported.code, imported.stderr).toBe(0);
    expect(await runCli(['forget', '--tenant', 'acme'], { env })).toMatchObject({
      code: 2,
      stderr: 'ztna: ztna forget: --principal is required\n',
    });

    const runs = [];
    for (let i = 0; i < 2; i++) {
      const run = await runCli(['forget', '--principal', ANN, '--tenant', 'acme', '--by', 'dpo@acme.example'], { env });
      expect(run.code, run.stderr).toBe(0);
      runs.push(JSON.parse(run.stdout) as ForgetSummary);
    }
    const hmac = principalFingerprint(Buffer.from(HMAC_KEY), ANN);
    expect(runs.map((r) => [r.principal_hmac, r.tenant])).toEqual([
      [hmac, 'acme'],
      [hmac, 'acme'],
    ]);
    expect(runs[0]!.deleted).toMatchObject({ events: 18, principal_hour: 1, principal_app_day: 1, denial_minute: 1, rejected_events: 1 });
    expect(Object.values(runs[1]!.deleted)).toEqual(ERASE_STEPS.map(() => 0));
    expect(runs[0]!.scorer_state).toContain(topic);

    // What the control topic holds: the two requests, by HMAC, never the name.
    const consumer = testKafka(inject('kafkaBrokers')).consumer({ groupId: `forget-cli-${randomUUID()}` });
    const seen: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
      await waitFor('both control messages', async () => seen.length === 2);
    } finally {
      await consumer.disconnect();
    }
    expect(seen.map((m) => JSON.parse(m) as { principal_hmac: string; erasure_id: string })).toMatchObject([
      { principal_hmac: hmac, erasure_id: runs[0]!.erasure_id },
      { principal_hmac: hmac, erasure_id: runs[1]!.erasure_id },
    ]);
    expect(seen.join('')).not.toContain('ann@');
  });

  it('a running `ztna run` on Kafka forgets the principal when `ztna forget` runs elsewhere', async () => {
    const brokers = inject('kafkaBrokers');
    const topics = uniqueTopics();
    const control = `ztna.control.${randomUUID()}`;
    const group = `forget-run-${randomUUID()}`;
    const clients = await connectClients(brokers);
    const service = startConsumer(brokers, topics, tempDir('forget-run'), group, { ZTNA_TOPIC_CONTROL: control, LOG_LEVEL: 'info' });
    try {
      await waitFor('the service to consume', async () => service.stdout().includes('ztna: consuming'));
      for (const e of events)
        await clients.producer.send({ topic: topics[e.kind as Kind], acks: -1, messages: [{ value: JSON.stringify(e) }] });
      await waitCaughtUp(clients.admin, group, [topics.auth, topics.policy, topics.posture, topics.token], service);
      const env = {
        ZTNA_DATA_DIR: tempDir('forget-run-cli'),
        ZTNA_HMAC_KEY: HMAC_KEY,
        KAFKA_BROKERS: brokers,
        ZTNA_TOPIC_CONTROL: control,
      };
      const run = await runCli(['forget', '--principal', ANN, '--tenant', 'acme'], { env });
      expect(run.code, run.stderr).toBe(0);
      const line = await waitFor('the service to forget the principal', async () =>
        service
          .stderr()
          .split('\n')
          .find((l) => l.includes('control: forgot a principal')),
      );
      // Her token's and her session's context, her denial-burst key, and what the newer detections and her open incident hold of her.
      const told = JSON.parse(line) as { principal: string; forgotten: number };
      expect(told.principal).toBe(principalFingerprint(Buffer.from(HMAC_KEY), ANN));
      expect(told.forgotten).toBeGreaterThanOrEqual(3);
    } finally {
      await stopGracefully(service);
      await clients.disconnect();
    }
  });
});

function normalized(record: object): CanonicalEvent {
  const outcome = normalizeRecord(JSON.stringify(record), normalizeOptions());
  if (outcome.status !== 'normalized') throw new Error(JSON.stringify(outcome));
  return outcome.event;
}
