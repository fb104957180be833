// The ingest pipeline on the real ClickHouse engine (chDB): what is valid lands once,
// what is not lands in the dead letters with its bytes and reason, and nothing is lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../src/events/index.js';
import { IngestPipeline, type DeadLetterSink } from '../../src/pipeline/pipeline.js';
import type { DeadLetter, RawRecord } from '../../src/pipeline/record.js';
import { ChdbStore, migrate, type Store } from '../../src/store/index.js';
import { TrafficSimulator } from '../../src/simulate/traffic.js';
import { normalizeOptions, tempDir } from '../support/helpers.js';

const { observedTime: _t, ...pipelineOptions } = normalizeOptions();

function records(n: number, seed: number): RawRecord[] {
  const sim = new TrafficSimulator({ seed, start: Date.parse('2026-11-20T09:00:00Z'), invalidShare: 0.03, notAccessShare: 0.02 });
  return Array.from({ length: n }, (_, i) => ({ value: Buffer.from(sim.next().line), origin: { door: 'file' as const, topic: `seed-${seed}`, line: i + 1 } }));
}

class CollectingSink implements DeadLetterSink {
  letters: DeadLetter[] = [];
  async send(letters: readonly DeadLetter[]) {
    this.letters.push(...letters);
  }
}

const count = async (store: Store, sql: string) => Number((await store.query<{ n: string }>(sql))[0]!.n);

describe('ingest pipeline on chDB', () => {
  let store: Store;
  beforeAll(async () => {
    store = new ChdbStore(tempDir('pipeline'));
    await migrate(store, { retentionDays: 400 });
  });
  afterAll(async () => store?.close());

  it('stores exactly the valid events per table and dead-letters exactly the invalid ones with their bytes', async () => {
    const batch = records(3000, 21);
    const expected = { auth: 0, policy: 0, posture: 0, token: 0, rejected: [] as RawRecord[], skipped: 0 };
    for (const r of batch) {
      const o = normalizeRecord(r.value, normalizeOptions());
      if (o.status === 'normalized') expected[o.event.kind]++;
      else if (o.status === 'rejected') expected.rejected.push(r);
      else expected.skipped++;
    }
    const sink = new CollectingSink();
    const pipeline = new IngestPipeline(store, pipelineOptions, { deadLetterSinks: [sink] });
    const counts = await pipeline.processBatch(batch);

    expect(counts.storedByKind).toEqual({ auth: expected.auth, policy: expected.policy, posture: expected.posture, token: expected.token });
    expect(counts.rejected).toBe(expected.rejected.length);
    expect(counts.skipped).toBe(expected.skipped);
    expect(expected.rejected.length).toBeGreaterThan(20);
    for (const kind of ['auth', 'policy', 'posture', 'token'] as const) {
      expect(await count(store, `SELECT count() AS n FROM ${kind}_events FINAL`), kind).toBe(expected[kind]);
    }
    const stored = await store.query<{ line: string; raw_base64: string; reason: string }>("SELECT line, raw_base64, reason FROM rejected_events FINAL WHERE topic = 'seed-21' ORDER BY line");
    expect(stored.map((r) => Buffer.from(r.raw_base64, 'base64'))).toEqual(expected.rejected.map((r) => r.value));
    expect(stored.every((r) => r.reason.length > 0)).toBe(true);
    expect(sink.letters.map((l) => l.raw)).toEqual(expected.rejected.map((r) => r.value));
  });

  it('counts nothing twice when the same batch is delivered again', async () => {
    const batch = records(1000, 22);
    const pipeline = new IngestPipeline(store, pipelineOptions);
    const first = await pipeline.processBatch(batch);
    const before = await count(store, 'SELECT (SELECT count() FROM auth_events FINAL) + (SELECT count() FROM policy_events FINAL) + (SELECT count() FROM posture_events FINAL) + (SELECT count() FROM token_events FINAL) AS n');
    const rejectedBefore = await count(store, "SELECT count() AS n FROM rejected_events FINAL WHERE topic = 'seed-22'");
    await pipeline.processBatch(batch);
    const after = await count(store, 'SELECT (SELECT count() FROM auth_events FINAL) + (SELECT count() FROM policy_events FINAL) + (SELECT count() FROM posture_events FINAL) + (SELECT count() FROM token_events FINAL) AS n');
    expect(after).toBe(before);
    expect(await count(store, "SELECT count() AS n FROM rejected_events FINAL WHERE topic = 'seed-22'")).toBe(rejectedBefore);
    expect(rejectedBefore).toBe(first.rejected);
  });

  it('dead-letters a record the store itself refuses and stores the rest of the batch', async () => {
    // A real refusal by the engine: a table constraint, as a stricter production schema might have.
    await store.command("ALTER TABLE auth_events ADD CONSTRAINT no_poison CHECK principal_id != 'poison@acme.example'");
    try {
      const good = { kind: 'auth', time: '2026-11-20T10:00:00.000Z', emitter_id: 'idp', outcome: 'success', tenant: 'poison-test' };
      const batch: RawRecord[] = ['a@acme.example', 'poison@acme.example', 'b@acme.example'].map((p, i) => ({
        value: Buffer.from(JSON.stringify({ ...good, principal_id: p, emitter_seq: i })),
        origin: { door: 'http', topic: 'poison-test' },
      }));
      const sink = new CollectingSink();
      const counts = await new IngestPipeline(store, pipelineOptions, { deadLetterSinks: [sink] }).processBatch(batch);
      expect(counts.storedByKind.auth).toBe(2);
      expect(counts.rejected).toBe(1);
      expect(sink.letters[0]!.reason).toMatch(/^store refused the event: .*no_poison/);
      const principals = await store.query<{ principal_id: string }>("SELECT principal_id FROM auth_events FINAL WHERE tenant = 'poison-test' ORDER BY principal_id");
      expect(principals.map((p) => p.principal_id)).toEqual(['a@acme.example', 'b@acme.example']);
    } finally {
      await store.command('ALTER TABLE auth_events DROP CONSTRAINT no_poison');
    }
  });
});
