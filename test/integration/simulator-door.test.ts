// The embedded simulator as a door: a batch the store refuses for a while (the engine's real
// TOO_MANY_PARTS, from chDB with `parts_to_throw_insert`) is retried, the same records, until it
// is stored. Nothing the simulator produced is lost.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { runEmbeddedSimulator } from '../../src/sources/simulator.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import type { RawRecord } from '../../src/pipeline/record.js';
import { serviceMetrics } from '../../src/commands/metrics.js';
import { tempDir } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';
import { distinctEvents, migratedStore } from '../support/store.js';
import { waitFor } from '../support/wait.js';

describe('the embedded simulator door', () => {
  it('retries a batch the store refuses until it is stored: every record it produced ends up stored', async () => {
    const store = await migratedStore(tempDir('simulator-door'));
    const metrics = serviceMetrics();
    const pipeline = new IngestPipeline(store, pipelineOptions(), { metrics: metrics.pipeline });
    const handed = new Set<string>();
    const stored = new Set<string>();
    let failures = 0;
    const offsets = (records: readonly RawRecord[]) => records.map((r) => r.origin.offset!);
    // Sees what the door hands the pipeline and what the pipeline stored; the pipeline and the store are real.
    const watched = {
      processBatch: async (records: readonly RawRecord[]) => {
        for (const o of offsets(records)) handed.add(o);
        try {
          const result = await pipeline.processBatch(records);
          for (const o of offsets(records)) stored.add(o);
          return result;
        } catch (err) {
          failures++;
          throw err;
        }
      },
    };
    const stop = new AbortController();
    const door = runEmbeddedSimulator(watched, { seed: 1, rate: 500, scenarios: '' }, stop.signal, {
      log: pino({ level: 'silent' }),
      print: () => {},
      metrics: metrics.sources,
    });
    try {
      await waitFor('a first stored batch', async () => stored.size > 0, 30_000);
      // Every auth insert now meets a partition that already has a part: the engine refuses it.
      await store.command('ALTER TABLE events MODIFY SETTING parts_to_delay_insert = 1, parts_to_throw_insert = 1');
      await waitFor('two refused batches', async () => failures >= 2, 30_000);
      await store.command('ALTER TABLE events RESET SETTING parts_to_delay_insert, parts_to_throw_insert');
      const storedBeforeRecovery = stored.size;
      await waitFor('batches stored after the store recovered', async () => stored.size > storedBeforeRecovery + 200, 30_000);
    } finally {
      stop.abort();
      await door;
    }
    // More than the 200 records stored after the recovery were handed over, and every one was stored.
    expect(handed.size).toBeGreaterThan(200);
    expect([...handed].filter((o) => !stored.has(o))).toEqual([]);
    expect(await distinctEvents(store)).toBe(pipeline.counts.normalized);
    const retries = await metrics.registry.getSingleMetric('ztna_ingest_retries_total')!.get();
    expect(retries.values).toContainEqual(expect.objectContaining({ labels: { door: 'simulator' }, value: failures }));
    await store.close();
  });
});
