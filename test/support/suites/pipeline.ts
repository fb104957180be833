// The ingest pipeline on a store (chDB, or a ClickHouse server through ClickHouseServerStore): what
// is valid lands once, what is not lands in the dead letters with its bytes and reason, and nothing
// is lost. Expected values come from the simulator's ground truth, not from the normalizer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KINDS } from '../../../src/events/index.js';
import { IngestPipeline } from '../../../src/pipeline/pipeline.js';
import type { RawRecord } from '../../../src/pipeline/record.js';
import type { Store } from '../../../src/store/index.js';
import { TrafficSimulator, type SimulatedRecord } from '../../../src/simulate/traffic.js';
import { CollectingSink, pipelineOptions } from '../pipeline.js';
import { distinctEvents, queryCount } from '../store.js';
import type { OpenStore } from '../stores.js';
import { expectedFromTruth, storedEventKeys } from '../truth.js';

const INVALID_SHARE = 0.03;

function simulate(n: number, seed: number): SimulatedRecord[] {
  const sim = new TrafficSimulator({ seed, start: Date.parse('2026-11-20T09:00:00Z'), invalidShare: INVALID_SHARE, notAccessShare: 0.02 });
  return Array.from({ length: n }, () => sim.next());
}

/** The simulated records as read from a file named `topic`, line by line. */
const asRead = (records: readonly SimulatedRecord[], topic: string): RawRecord[] =>
  records.map((r, i) => ({ value: Buffer.from(r.line), origin: { door: 'file', topic, line: i + 1 } }));

const rejectedFrom = (store: Store, topic: string) =>
  queryCount(store, 'SELECT count() AS n FROM rejected_events FINAL WHERE topic = {topic:String}', { topic });

export function pipelineSuite(storeName: string, open: OpenStore): void {
  describe(`ingest pipeline on ${storeName}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await open('pipeline');
    });
    afterAll(async () => store?.close());

    it('stores exactly the valid events per table and dead-letters exactly the invalid ones with their bytes', async () => {
      const simulated = simulate(3000, 21);
      const expected = expectedFromTruth(simulated);
      // At least half the malformed records the input's share makes likely, so the dead letters below are many.
      expect(expected.invalid.length).toBeGreaterThan((INVALID_SHARE / 2) * simulated.length);
      const sink = new CollectingSink();
      const counts = await new IngestPipeline(store, pipelineOptions(), { deadLetterSinks: [sink] }).processBatch(
        asRead(simulated, 'seed-21'),
      );

      expect(counts.storedByKind).toEqual(Object.fromEntries(KINDS.map((kind) => [kind, expected.events[kind].length])));
      expect(counts.rejected).toBe(expected.invalid.length);
      expect(counts.skipped).toBe(expected.notAccess);
      // Each table holds exactly the simulated events of its kind: same tenant, principal and time, each once.
      expect(await storedEventKeys(store)).toEqual(expected.events);
      const stored = await store.query<{ raw_base64: string; reason: string }>(
        "SELECT raw_base64, reason FROM rejected_events FINAL WHERE topic = 'seed-21' ORDER BY line",
      );
      expect(stored.map((r) => Buffer.from(r.raw_base64, 'base64'))).toEqual(expected.invalid);
      expect(stored.filter((r) => r.reason === '')).toEqual([]);
      expect(sink.letters.map((l) => l.raw)).toEqual(expected.invalid);
    });

    it('counts nothing twice when the same batch is delivered again', async () => {
      const simulated = simulate(1000, 22);
      const batch = asRead(simulated, 'seed-22');
      const pipeline = new IngestPipeline(store, pipelineOptions());
      const first = await pipeline.processBatch(batch);
      const before = await distinctEvents(store);
      const rejectedBefore = await rejectedFrom(store, 'seed-22');
      await pipeline.processBatch(batch);
      expect(await distinctEvents(store)).toBe(before);
      expect(await rejectedFrom(store, 'seed-22')).toBe(rejectedBefore);
      expect(rejectedBefore).toBe(first.rejected);
      expect(rejectedBefore).toBe(expectedFromTruth(simulated).invalid.length);
    });

    it('dead-letters a record the store itself refuses and stores the rest of the batch', async () => {
      // A real refusal by the engine: a table constraint, as a stricter production schema might have.
      await store.command("ALTER TABLE events ADD CONSTRAINT no_poison CHECK principal_id != 'poison@acme.example'");
      try {
        const good = { kind: 'auth', time: '2026-11-20T10:00:00.000Z', emitter_id: 'idp', outcome: 'success', tenant: 'poison-test' };
        const batch: RawRecord[] = ['a@acme.example', 'poison@acme.example', 'b@acme.example'].map((p, i) => ({
          value: Buffer.from(JSON.stringify({ ...good, principal_id: p, emitter_seq: i })),
          origin: { door: 'http', topic: 'poison-test' },
        }));
        const sink = new CollectingSink();
        const counts = await new IngestPipeline(store, pipelineOptions(), { deadLetterSinks: [sink] }).processBatch(batch);
        expect(counts.storedByKind.auth).toBe(2);
        expect(counts.rejected).toBe(1);
        expect(sink.letters).toHaveLength(1);
        expect(sink.letters[0]!.reason).toMatch(/^store refused the event: .*no_poison/);
        const principals = await store.query<{ principal_id: string }>(
          "SELECT principal_id FROM events FINAL WHERE tenant = 'poison-test' ORDER BY principal_id",
        );
        expect(principals.map((p) => p.principal_id)).toEqual(['a@acme.example', 'b@acme.example']);
      } finally {
        await store.command('ALTER TABLE events DROP CONSTRAINT no_poison');
      }
    });
  });
}
