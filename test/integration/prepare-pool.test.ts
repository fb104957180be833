// The prepare pool: records normalized and encoded on worker threads come back exactly as the
// main thread would have made them, in arrival order; rejects reach the dead letters with their
// bytes and reason; a worker that dies is replaced and its records prepared again, and records
// that kill a second worker fail the batch loudly; close ends the threads. Real chDB, real workers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestPipeline, type BatchProcessor } from '../../src/pipeline/pipeline.js';
import { prepareRecords } from '../../src/pipeline/prepare.js';
import { PreparePool } from '../../src/pipeline/preparePool.js';
import type { RawRecord } from '../../src/pipeline/record.js';
import type { CanonicalEvent } from '../../src/events/index.js';
import type { Store } from '../../src/store/index.js';
import { TrafficSimulator } from '../../src/simulate/traffic.js';
import { tempDir } from '../support/helpers.js';
import { CollectingSink, pipelineOptions } from '../support/pipeline.js';
import { migratedStore, queryCount } from '../support/store.js';

const OBSERVED = '2026-11-23T12:00:00.000Z';

function simulated(n: number, seed: number, topic: string): RawRecord[] {
  const sim = new TrafficSimulator({ seed, start: Date.parse('2026-11-20T09:00:00Z'), invalidShare: 0.03, notAccessShare: 0.02 });
  return Array.from({ length: n }, (_, i) => ({ value: Buffer.from(sim.next().line), origin: { door: 'file', topic, line: i + 1 } }));
}

class CollectingProcessor implements BatchProcessor {
  readonly events: CanonicalEvent[] = [];
  process(events: readonly CanonicalEvent[]): void {
    this.events.push(...events);
  }
}

/** What one table's encoded rows hold, row by row. */
const rowsOf = (t: { data: Buffer; ends: Uint32Array }) =>
  Array.from(t.ends, (end, i) => t.data.subarray(i === 0 ? 0 : t.ends[i - 1], end).toString());

describe('prepare pool (worker threads)', () => {
  let store: Store;
  beforeAll(async () => {
    store = await migratedStore(tempDir('prepare-pool'));
  });
  afterAll(async () => {
    await store.close();
  });

  it('gives the processors the same events in arrival order as the main thread, and dead-letters rejects with bytes and reason', async () => {
    const records = simulated(7000, 11, 'pool-order');
    const inThread = new CollectingProcessor();
    const pooled = new CollectingProcessor();
    const letters = new CollectingSink();
    await new IngestPipeline(store, pipelineOptions(), { processors: [inThread] }).processBatch(records);
    const pipeline = new IngestPipeline(store, pipelineOptions(), { processors: [pooled], deadLetterSinks: [letters], workers: 2 });
    try {
      const result = await pipeline.processBatch(records);
      expect(result.read).toBe(records.length);
      expect(result.rejected).toBeGreaterThan(100);
      expect(pooled.events.length).toBeGreaterThan(6000);
      // The batch went out in several chunks to two workers; the order is still the records' order.
      expect(pooled.events.map((e) => e.event_id)).toEqual(inThread.events.map((e) => e.event_id));
      // Decoded from their rows on this thread, they are the events the main thread normalized (observed at another time).
      const unobserved = (events: CanonicalEvent[]) => events.map(({ observed_time: _, ...rest }) => rest);
      expect(unobserved(pooled.events)).toEqual(unobserved(inThread.events));
      expect(letters.letters).toHaveLength(result.rejected);
      for (const letter of letters.letters) {
        const record = records[letter.origin.line! - 1]!;
        expect(letter.raw.equals(record.value)).toBe(true);
        expect(letter.reason).not.toBe('');
      }
      const first = letters.letters[0]!;
      const stored = await store.query<{ raw: string; reason: string }>(
        'SELECT raw, reason FROM rejected_events FINAL WHERE topic = {topic:String} AND line = {line:UInt64}',
        { topic: 'pool-order', line: first.origin.line! },
      );
      expect(stored).toEqual([{ raw: first.raw.toString(), reason: first.reason }]);
      expect(
        await queryCount(store, 'SELECT count() AS n FROM rejected_events FINAL WHERE topic = {topic:String}', { topic: 'pool-order' }),
      ).toBe(result.rejected);
    } finally {
      await pipeline.close();
    }
  });

  it('prepares the records of a worker that died again on its replacement: nothing lost, nothing reordered', async () => {
    const values = simulated(6000, 12, 'pool-crash').map((r) => r.value);
    const expected = prepareRecords(values, { ...pipelineOptions(), observedTime: OBSERVED });
    const pool = new PreparePool(pipelineOptions(), 2);
    try {
      const preparing = pool.prepare(values, OBSERVED);
      const victim = pool.threads[0]!;
      await victim.terminate(); // it holds chunks of this batch
      expect(pool.threads).not.toContain(victim);
      const prepared = await preparing;
      expect(prepared.events.map((e) => e.event_id)).toEqual(expected.events.map((e) => e.event_id));
      expect(prepared.rejects).toEqual(expected.rejects);
      expect(prepared.tables.map((t) => [t.table, rowsOf(t)])).toEqual(expected.tables.map((t) => [t.table, rowsOf(t)]));
    } finally {
      await pool.close();
    }
  });

  it('fails the batch loudly when its records kill a second worker', async () => {
    const values = simulated(2000, 13, 'pool-crash-twice').map((r) => r.value);
    const pool = new PreparePool(pipelineOptions(), 1);
    try {
      const preparing = pool.prepare(values, OBSERVED);
      const outcome = preparing.then(
        () => 'prepared',
        (err: Error) => err.message,
      );
      await pool.threads[0]!.terminate();
      await pool.threads[0]!.terminate(); // the replacement, which was handed the same records
      expect(await outcome).toMatch(/died twice on the same records/);
      // The pool still works for the next batch.
      expect((await pool.prepare(values.slice(0, 10), OBSERVED)).events.length).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });

  it('close ends every worker thread, and a closed pool prepares nothing', async () => {
    const pool = new PreparePool(pipelineOptions(), 2);
    await pool.prepare(
      simulated(100, 14, 'pool-close').map((r) => r.value),
      OBSERVED,
    );
    const exited = pool.threads.map((w) => new Promise<number>((resolve) => w.once('exit', resolve)));
    await pool.close();
    expect(await Promise.all(exited)).toHaveLength(2);
    await expect(pool.prepare([Buffer.from('{}')], OBSERVED)).rejects.toThrow(/closed/);
  });
});
