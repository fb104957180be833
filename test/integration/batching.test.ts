// BatchingRunner on the real engine (chDB): records added from many partitions go in one batch,
// positions are committed only after the store acknowledged their batch, in order, a full batch
// holds the door back, and a batch the store refuses while closing leaves it and every later
// batch uncommitted. The store's refusals are the engine's own TOO_MANY_PARTS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceMetrics } from '../../src/commands/metrics.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import { BatchingRunner, type BatchingSettings } from '../../src/sources/batching.js';
import { ChdbStore, migrate, type Store } from '../../src/store/index.js';
import { tempDir } from '../support/helpers.js';
import { nativeRecords, pipelineOptions } from '../support/pipeline.js';
import { queryCount } from '../support/store.js';
import { waitFor } from '../support/wait.js';

const storedAuth = (store: Store, tenant: string) =>
  queryCount(store, 'SELECT count() AS n FROM events FINAL WHERE tenant = {tenant:String}', { tenant });
const authRecords = (n: number, tenant: string, from = 0) => nativeRecords('auth', n, tenant, from);
const until = (check: () => boolean | Promise<boolean>) => waitFor('the condition', async () => await check(), 30_000, 20);

/** Is the promise still pending after the event loop has turned a few times? */
async function pending(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  return (await Promise.race([promise, new Promise((r) => setTimeout(() => r(marker), 100))])) === marker;
}

describe('BatchingRunner', () => {
  let store: Store;
  beforeAll(async () => {
    store = new ChdbStore(tempDir('batching'));
    await migrate(store, { retentionDays: 400 });
    // One part in the month written to, so TOO_MANY_PARTS can be switched on for events.
    await new IngestPipeline(store, pipelineOptions()).processBatch(authRecords(1, 'seed'));
  });
  afterAll(async () => store?.close());

  const tooManyParts = async () => {
    await store.command('ALTER TABLE events MODIFY SETTING parts_to_delay_insert = 1, parts_to_throw_insert = 1');
    return () => store.command('ALTER TABLE events RESET SETTING parts_to_delay_insert, parts_to_throw_insert');
  };

  function runner(settings: BatchingSettings) {
    const metrics = serviceMetrics();
    const pipeline = new IngestPipeline(store, pipelineOptions(), { metrics: metrics.pipeline });
    const commits: string[][] = [];
    const retries: number[] = [];
    const batching = new BatchingRunner<string>(pipeline, settings, {
      commit: async (positions) => void commits.push([...positions]),
      onRetry: (_err, attempt) => void retries.push(attempt),
    });
    const batchSizes = async () => {
      const hist = (await metrics.registry.getSingleMetric('ztna_batch_records')!.get()).values as Array<{
        metricName?: string;
        value: number;
      }>;
      const value = (name: string) => hist.find((v) => v.metricName === name)?.value ?? 0;
      return { count: value('ztna_batch_records_count'), sum: value('ztna_batch_records_sum') };
    };
    return { batching, commits, retries, batchSizes, pipeline };
  }

  it('gathers what six partitions add within the linger into one batch, and commits every position once it is stored', async () => {
    const { batching, commits, batchSizes } = runner({ maxRecords: 1000, maxBytes: 1 << 20, lingerMs: 300 });
    const partitions = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
    for (const [i, p] of partitions.entries()) expect(await batching.add(authRecords(10, 'gather', i * 10), p)).toBe(true);
    await until(() => commits.length === 1);
    expect(commits).toEqual([partitions]);
    expect(await storedAuth(store, 'gather')).toBe(60);
    expect(await batchSizes()).toEqual({ count: 1, sum: 60 });
    await batching.close();
  });

  it('cuts a batch at maxRecords, and keeps the commits in the order the positions were added', async () => {
    const { batching, commits, batchSizes } = runner({ maxRecords: 25, maxBytes: 1 << 20, lingerMs: 10_000 });
    const added = Array.from({ length: 10 }, (_, i) => `p${i}`);
    for (const [i, p] of added.entries()) await batching.add(authRecords(5, 'cut', i * 5), p);
    // 50 records at 25 a batch: two full batches go at once, without waiting out the 10 s linger.
    await until(() => commits.length === 2);
    expect(commits.flat()).toEqual(added);
    expect(await batchSizes()).toEqual({ count: 2, sum: 50 });
    await batching.close();
  });

  it('holds the door back while a full batch waits behind a store that refuses it, and commits nothing until the store takes it', async () => {
    const { batching, commits, retries } = runner({ maxRecords: 10, maxBytes: 1 << 20, lingerMs: 0 });
    const recover = await tooManyParts();
    try {
      await batching.add(authRecords(10, 'held', 0), 'a'); // batch 1: being stored, refused
      await until(() => retries.length >= 1);
      await batching.add(authRecords(10, 'held', 10), 'b'); // batch 2: prepared, waits for batch 1
      await until(async () => !(await pending(batching.add(authRecords(10, 'held', 20), 'c')))); // batch 3 gathers
      const fourth = batching.add(authRecords(10, 'held', 30), 'd'); // no room: waits
      expect(await pending(fourth)).toBe(true);
      expect(commits).toEqual([]);
      expect(await storedAuth(store, 'held')).toBe(0);
      await recover();
      expect(await fourth).toBe(true);
      await until(() => commits.flat().length === 4);
      expect(commits.flat()).toEqual(['a', 'b', 'c', 'd']);
      expect(await storedAuth(store, 'held')).toBe(40);
    } finally {
      await recover();
      await batching.close();
    }
  });

  it('commits a position added without records (records handed before a rebalance) after the batch that holds them, even alone', async () => {
    const { batching, commits } = runner({ maxRecords: 10, maxBytes: 1 << 20, lingerMs: 0 });
    await batching.add(authRecords(10, 'refetched'), 'stored');
    await batching.add([], 'refetched-again'); // kafkajs refetched records already handed: nothing new to store
    await until(() => commits.flat().length === 2);
    expect(commits.flat()).toEqual(['stored', 'refetched-again']);
    expect(await storedAuth(store, 'refetched')).toBe(10);
    await batching.close();
  });

  it('close stores and commits what is gathered, then refuses more', async () => {
    const { batching, commits } = runner({ maxRecords: 1000, maxBytes: 1 << 20, lingerMs: 60_000 });
    await batching.add(authRecords(7, 'closing'), 'x');
    await batching.close();
    expect(commits).toEqual([['x']]);
    expect(await storedAuth(store, 'closing')).toBe(7);
    expect(await batching.add(authRecords(1, 'closing', 7), 'y')).toBe(false);
  });

  it('closing while the store refuses: that batch and every later one stay uncommitted, so nothing is skipped', async () => {
    const { batching, commits, retries } = runner({ maxRecords: 5, maxBytes: 1 << 20, lingerMs: 0 });
    const recover = await tooManyParts();
    try {
      await batching.add(authRecords(5, 'refused', 0), 'first');
      await until(() => retries.length >= 1);
      // The second batch holds only policy events, which the store would take: it must still not be committed.
      await batching.add(nativeRecords('policy', 5, 'refused'), 'second');
      await batching.close();
      expect(commits).toEqual([]);
    } finally {
      await recover();
    }
  });
});
