// A store that is busy or away is not bad data: the batch waits and is retried whole, nothing
// is dead-lettered and nothing is committed meanwhile. Only the engine refusing the rows
// themselves (a parse, type or constraint error) dead-letters them. Each class is produced
// by the real engine where it can be: TOO_MANY_PARTS by chDB with `parts_to_throw_insert`,
// an unreachable server by the ClickHouse client against a closed port.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pino } from 'pino';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import { kafkaClient } from '../../src/kafka/client.js';
import { startKafkaSource } from '../../src/sources/kafka.js';
import { serviceMetrics } from '../../src/commands/metrics.js';
import { ClickHouseServerStore, DATA_ERROR_CODES, StoreError, type Store } from '../../src/store/index.js';
import { apiServer, requestsAs } from '../support/api.js';
import { freePort } from '../support/services/ports.js';
import { connectClients, uniqueTopics, type TestClients } from '../support/kafkaConsumer.js';
import { tempDir } from '../support/helpers.js';
import { CollectingSink, nativeRecords, pipelineOptions } from '../support/pipeline.js';
import { migratedStore, queryCount } from '../support/store.js';
import { waitFor } from '../support/wait.js';

const silent = pino({ level: 'silent' });

const storedAuth = (store: Store, tenant: string) =>
  queryCount(store, 'SELECT count() AS n FROM events FINAL WHERE tenant = {tenant:String}', { tenant });
const rejectedFrom = (store: Store, topic: string) =>
  queryCount(store, 'SELECT count() AS n FROM rejected_events FINAL WHERE topic = {topic:String}', { topic });

/** Makes the engine itself answer TOO_MANY_PARTS (code 252) to inserts into events until the returned function runs. */
async function tooManyParts(store: Store): Promise<() => Promise<void>> {
  await store.command('ALTER TABLE events MODIFY SETTING parts_to_delay_insert = 1, parts_to_throw_insert = 1');
  return () => store.command('ALTER TABLE events RESET SETTING parts_to_delay_insert, parts_to_throw_insert');
}

describe('store error classes', () => {
  let store: Store;
  beforeAll(async () => {
    store = await migratedStore(tempDir('store-errors'));
    // One part in the month the tests write to, so the next insert there meets the limit.
    await new IngestPipeline(store, pipelineOptions()).processBatch(nativeRecords('auth', 1, 'seed'));
  });
  afterAll(async () => store?.close());

  it('knows the data-error codes by the names the engine gives them', async () => {
    const codes = [...DATA_ERROR_CODES.keys()];
    expect(codes).toHaveLength(21);
    const rows = await store.query<{ code: number; name: string }>(
      'SELECT toUInt16(arrayJoin({codes:Array(String)})) AS code, errorCodeToName(code) AS name',
      { codes: codes.map(String) },
    );
    expect(rows).toHaveLength(codes.length);
    for (const row of rows) expect(row.name).toBe(DATA_ERROR_CODES.get(Number(row.code)));
  });

  it('treats the store being busy, full, read-only, slow or away as transient, and only refused values as data', () => {
    // Capacity and availability codes a server answers under load (ErrorCodes.cpp).
    const transient = {
      TOO_MANY_PARTS: 252,
      MEMORY_LIMIT_EXCEEDED: 241,
      TIMEOUT_EXCEEDED: 159,
      TOO_MANY_SIMULTANEOUS_QUERIES: 202,
      READONLY: 164,
      TABLE_IS_READ_ONLY: 242,
      SOCKET_TIMEOUT: 209,
      NETWORK_ERROR: 210,
      KEEPER_EXCEPTION: 999,
      NO_SUCH_COLUMN_IN_TABLE: 16,
    };
    for (const [name, code] of Object.entries(transient)) expect(new StoreError(name, code).transient, name).toBe(true);
    expect(new StoreError('connect ECONNREFUSED', undefined).transient).toBe(true);
    for (const [code, name] of DATA_ERROR_CODES) expect(new StoreError(name, code).transient, name).toBe(false);
  });

  it('TOO_MANY_PARTS from the engine: the batch fails whole, nothing is dead-lettered or counted, and the same batch stores every event once the store recovers', async () => {
    const metrics = serviceMetrics();
    const sink = new CollectingSink();
    const pipeline = new IngestPipeline(store, pipelineOptions(), { deadLetterSinks: [sink], metrics: metrics.pipeline });
    const batch = nativeRecords('auth', 50, 'busy');
    const recover = await tooManyParts(store);
    let failure: unknown;
    try {
      await pipeline.processBatch(batch);
    } catch (err) {
      failure = err;
    } finally {
      await recover();
    }
    expect(failure).toBeInstanceOf(StoreError);
    expect((failure as StoreError).clickhouseCode).toBe(252);
    expect((failure as StoreError).transient).toBe(true);
    expect(sink.letters).toEqual([]);
    expect(await rejectedFrom(store, 'busy')).toBe(0);
    expect(await storedAuth(store, 'busy')).toBe(0);
    expect(pipeline.counts.read).toBe(0);
    expect((await metrics.registry.getSingleMetric('ztna_events_total')!.get()).values).toEqual([]);
    expect((await metrics.registry.getSingleMetric('ztna_store_errors_total')!.get()).values).toEqual([
      expect.objectContaining({ value: 1, labels: { table: 'events', class: 'transient' } }),
    ]);

    const retried = await pipeline.processBatch(batch);
    expect(retried.storedByKind.auth).toBe(50);
    expect(await storedAuth(store, 'busy')).toBe(50);
    expect(await rejectedFrom(store, 'busy')).toBe(0);
    expect((await metrics.registry.getSingleMetric('ztna_events_total')!.get()).values).toEqual([
      expect.objectContaining({ value: 50, labels: { kind: 'auth', source: 'native', status: 'normalized' } }),
    ]);
  });

  it('an unreachable ClickHouse server: transient, nothing dead-lettered', async () => {
    const port = await freePort(); // nothing listens there
    const away = new ClickHouseServerStore({ url: `http://127.0.0.1:${port}` });
    const sink = new CollectingSink();
    try {
      const failure = await new IngestPipeline(away, pipelineOptions(), { deadLetterSinks: [sink] })
        .processBatch(nativeRecords('auth', 5, 'away'))
        .catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(StoreError);
      expect((failure as StoreError).transient).toBe(true);
      expect(sink.letters).toEqual([]);
    } finally {
      await away.close();
    }
  });

  it('POST /api/v1/events answers 503 with Retry-After while the store is busy, and stores the resent request once', async () => {
    const app = apiServer(store, { ingest: new IngestPipeline(store, pipelineOptions()) });
    const body = nativeRecords('auth', 20, 'http-busy')
      .map((r) => r.value.toString())
      .join('\n');
    const send = () =>
      requestsAs(
        app,
        'ingest',
      )({ method: 'POST', url: '/api/v1/events', headers: { 'content-type': 'application/x-ndjson' }, payload: body });
    try {
      const recover = await tooManyParts(store);
      const busy = await send().finally(recover);
      expect(busy.statusCode).toBe(503);
      expect(busy.headers['retry-after']).toBe('5');
      expect(busy.json().message).toMatch(/send the same request again/);
      expect(await storedAuth(store, 'http-busy')).toBe(0);
      const ok = await send();
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ received: 20, accepted: 20, rejected: 0 });
      expect(await storedAuth(store, 'http-busy')).toBe(20);
    } finally {
      await app.close();
    }
  });
});

describe('Kafka consumer against a busy store (real broker)', () => {
  const brokers = inject('kafkaBrokers');
  let clients: TestClients;
  let store: Store;

  beforeAll(async () => {
    clients = await connectClients(brokers);
    store = await migratedStore(tempDir('store-errors-kafka'));
    await new IngestPipeline(store, pipelineOptions()).processBatch(nativeRecords('auth', 1, 'seed'));
  });
  afterAll(async () => {
    await clients?.disconnect();
    await store?.close();
  });

  it('pauses on TOO_MANY_PARTS without committing or dead-lettering, and resumes by itself when the store recovers', async () => {
    const { admin, producer } = clients;
    const topics = uniqueTopics();
    const groupId = `busy-${topics.auth}`;
    const n = 200;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [topics.auth, topics.deadletter].map((topic) => ({ topic, numPartitions: 1 })),
    });
    await producer.send({ topic: topics.auth, messages: nativeRecords('auth', n, 'kafka-busy').map((r) => ({ value: r.value })) });

    const metrics = serviceMetrics();
    const sink = new CollectingSink();
    const pipeline = new IngestPipeline(store, pipelineOptions(), { deadLetterSinks: [sink], metrics: metrics.pipeline });
    const retries = async () => (await metrics.registry.getSingleMetric('ztna_ingest_retries_total')!.get()).values[0]?.value ?? 0;
    const recover = await tooManyParts(store);
    const source = await startKafkaSource(
      kafkaClient({ brokers: [brokers], clientId: 'store-errors-test' }, silent),
      {
        brokers: [brokers],
        clientId: 'store-errors-test',
        groupId,
        topics: [topics.auth],
        deadLetterTopic: topics.deadletter,
        outputTopics: [],
        createTopicsPartitions: 0,
        sessionTimeoutMs: 6000,
      },
      pipeline,
      silent,
      metrics.sources,
    );
    const committed = async () => (await admin.fetchOffsets({ groupId, topics: [topics.auth] }))[0]!.partitions[0]!.offset;
    try {
      // The consumer meets the busy store and retries: at least three attempts, and meanwhile
      // nothing is stored, dead-lettered or committed.
      await waitFor('three attempts', async () => (await retries()) >= 3, 60_000);
      expect(await storedAuth(store, 'kafka-busy')).toBe(0);
      expect(await rejectedFrom(store, topics.auth)).toBe(0);
      expect(sink.letters).toEqual([]);
      expect(await committed()).toBe('-1');

      await recover();
      await waitFor('every record committed', async () => (await committed()) === String(n), 60_000);
      expect(await storedAuth(store, 'kafka-busy')).toBe(n);
      expect(await rejectedFrom(store, topics.auth)).toBe(0);
      expect(sink.letters).toEqual([]);
    } finally {
      await recover();
      await source.stop();
    }
  });
});
