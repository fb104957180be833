// Records that carry related events through IngestPipeline into chDB: an Entra sign-in with its
// Conditional Access decisions and device compliance, a Duo login with its device's checks. Each
// event is its own row, counted by kind; each record is read and normalized once; the processors
// see every event; on worker threads as on this one. Real chDB, real workers.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../src/events/index.js';
import { registerPipelineMetrics } from '../../src/pipeline/metrics.js';
import { IngestPipeline, type BatchProcessor } from '../../src/pipeline/pipeline.js';
import type { RawRecord } from '../../src/pipeline/record.js';
import type { Store } from '../../src/store/index.js';
import { fixtureLines, tempDir } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';
import { migratedStore } from '../support/store.js';

const entra = fixtureLines('entra');
const duo = fixtureLines('duo');
// The interactive sign-in (2 allows, compliant device), the bad password (nothing more), the
// blocked sign-in (its deny, 1 allow, non-compliant device), the approved Duo push (its device's posture).
const lines = [entra[0]!, entra[1]!, entra[6]!, duo[0]!];
const asRead = (topic: string): RawRecord[] =>
  lines.map((line, i) => ({ value: Buffer.from(line), origin: { door: 'file', topic, line: i + 1 } }));

class CollectingProcessor implements BatchProcessor {
  readonly events: CanonicalEvent[] = [];
  process(events: readonly CanonicalEvent[]): void {
    this.events.push(...events);
  }
}

describe('records with related events, through the pipeline into chDB', () => {
  let store: Store;
  beforeAll(async () => {
    store = await migratedStore(tempDir('related-events'));
  });
  afterAll(async () => {
    await store.close();
  });

  it.each([0, 2])('stores each event as its own row and counts each record once (%i workers)', async (workers) => {
    const registry = new Registry();
    const processor = new CollectingProcessor();
    const pipeline = new IngestPipeline(store, pipelineOptions(), {
      processors: [processor],
      metrics: registerPipelineMetrics(registry),
      workers,
    });
    try {
      const counts = await pipeline.processBatch(asRead(`related-${workers}`));
      expect(counts).toMatchObject({
        read: 4,
        normalized: 4,
        skipped: 0,
        rejected: 0,
        storedByKind: { auth: 3, policy: 4, posture: 3, token: 0 },
      });
      expect(processor.events.map((e) => [e.source, e.kind])).toEqual([
        ['entra', 'auth'],
        ['entra', 'policy'],
        ['entra', 'policy'],
        ['entra', 'posture'],
        ['entra', 'auth'],
        ['entra', 'policy'],
        ['entra', 'policy'],
        ['entra', 'posture'],
        ['duo', 'auth'],
        ['duo', 'posture'],
      ]);
      const ids = processor.events.map((e) => e.event_id);
      const rows = await store.query<{ event_id: string; kind: string }>(
        'SELECT event_id, kind FROM events FINAL WHERE has({ids:Array(String)}, event_id) ORDER BY event_id',
        { ids },
      );
      expect(rows.map((r) => r.event_id)).toEqual([...ids].sort());
      // The records' outcomes, by each record's own event: four records, not ten events.
      const outcomes = (await registry.getSingleMetric('ztna_events_total')?.get())?.values.map((v) => [v.labels, v.value]);
      expect(outcomes).toEqual(
        expect.arrayContaining([
          [{ kind: 'auth', source: 'entra', status: 'normalized' }, 2],
          [{ kind: 'policy', source: 'entra', status: 'normalized' }, 1],
          [{ kind: 'auth', source: 'duo', status: 'normalized' }, 1],
        ]),
      );
      expect(outcomes).toHaveLength(3);
    } finally {
      await pipeline.close();
    }
  });

  it('stores the same rows once when the batch is delivered again', async () => {
    const pipeline = new IngestPipeline(store, pipelineOptions());
    await pipeline.processBatch(asRead('related-again'));
    const [before] = await store.query<{ n: string }>('SELECT count() AS n FROM events FINAL');
    const again = await pipeline.processBatch(asRead('related-again'));
    const [after] = await store.query<{ n: string }>('SELECT count() AS n FROM events FINAL');
    expect(again.storedByKind).toEqual({ auth: 3, policy: 4, posture: 3, token: 0 });
    expect(Number(after!.n)).toBe(Number(before!.n));
  });
});
