// Anomalies a sink refuses are kept and published with the next batch, never by scoring the events
// again: the anomalies table answers TOO_MANY_PARTS (the engine's own refusal, from chDB with
// parts_to_throw_insert) for one batch, and the replay raised then lands once, after the next.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeRecord, type CanonicalEvent } from '../../src/events/index.js';
import { AnomalyProcessor } from '../../src/detect/processor.js';
import { createScorers } from '../../src/detect/scorers.js';
import { StoreAnomalySink } from '../../src/sinks/anomalies.js';
import type { Store } from '../../src/store/index.js';
import { normalizeOptions, tempDir } from '../support/helpers.js';
import { migratedStore, queryCount } from '../support/store.js';

let seq = 0;
function token(activity: string, minutes: number, extra: Record<string, unknown> = {}): CanonicalEvent {
  const fields = {
    kind: 'token',
    activity,
    token_id: 'jti-held',
    principal_id: 'ann',
    device_id: 'dev-1',
    src_ip: '81.2.69.10',
    geo_country: 'FR',
    expires_at: '2026-11-20T11:00:00.000Z',
    ...extra,
  };
  const time = new Date(Date.parse('2026-11-20T10:00:00Z') + minutes * 60_000).toISOString();
  const o = normalizeRecord(JSON.stringify({ emitter_id: 'e', emitter_seq: ++seq, tenant: 'acme', time, ...fields }), normalizeOptions());
  if (o.status !== 'normalized') throw new Error(JSON.stringify(o));
  return o.event;
}

describe('AnomalyProcessor with a sink that refuses', () => {
  let store: Store;
  beforeAll(async () => {
    store = await migratedStore(tempDir('anomaly-publish'));
  });
  afterAll(async () => store?.close());

  it('keeps what the sink refused and publishes it with the next batch, each anomaly once, the events scored once', async () => {
    const errors: number[] = [];
    const processor = new AnomalyProcessor(
      createScorers(),
      [new StoreAnomalySink(store)],
      undefined,
      (_err, waiting) => void errors.push(waiting),
    );
    // One part in the anomalies table's month, then the engine refuses the next insert there.
    await processor.process([token('issue', 0), token('use', 2, { device_id: 'dev-x', src_ip: '45.1.2.3', geo_country: 'VN' })]);
    expect(await queryCount(store, 'SELECT count() AS n FROM anomalies FINAL')).toBe(1);
    await store.command('ALTER TABLE anomalies MODIFY SETTING parts_to_delay_insert = 1, parts_to_throw_insert = 1');
    try {
      await processor.process([token('use', 70)]); // after the token expired: a new reason
      expect(errors).toEqual([1]);
      expect(await queryCount(store, 'SELECT count() AS n FROM anomalies FINAL')).toBe(1);
    } finally {
      await store.command('ALTER TABLE anomalies RESET SETTING parts_to_delay_insert, parts_to_throw_insert');
    }
    // The next batch raises nothing new; the kept anomaly goes out with it.
    await processor.process([token('introspect', 71)]);
    expect(errors).toEqual([1]);
    expect(await queryCount(store, 'SELECT count() AS n FROM anomalies FINAL')).toBe(2);
  });
});
