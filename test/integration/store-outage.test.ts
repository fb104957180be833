// The store goes away mid-stream: `ztna run` consumes from the real broker into ClickHouseServerStore
// on the HTTP stand-in for the server process (the real engine, chDB, in a child process), the server
// is killed for 60 s and started again on the same port and data directory. Nothing is committed that
// is not stored, the consumer backs off instead of spinning, /readyz names the store while it is down,
// the consumer resumes by itself, and afterwards every event is stored exactly once.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KINDS } from '../../src/events/index.js';
import { ClickHouseServerStore } from '../../src/store/index.js';
import type { SimulatedRecord } from '../../src/simulate/traffic.js';
import { tempDir } from '../support/helpers.js';
import {
  committedOffsets,
  connectClients,
  metricValue,
  offsetSum,
  produceInOrder,
  simulatedRecords,
  startConsumer,
  stopGracefully,
  uniqueTopics,
  waitCaughtUp,
  type TestClients,
} from '../support/kafkaConsumer.js';
import { startClickHouseHttp, type ClickHouseHttp } from '../support/services/clickhouseHttp.js';
import { eventRows, queryCount, readStore } from '../support/store.js';
import { expectedFromTruth, extraKeys, missingKeys, noKeys, storedEventKeys } from '../support/truth.js';
import { waitFor } from '../support/wait.js';

const brokers = inject('kafkaBrokers');
const OUTAGE_MS = 60_000;
const USER = 'ztna';
const PASSWORD = randomBytes(12).toString('hex');

const retries = (http: string) => metricValue(http, 'ztna_ingest_retries_total{door="kafka"}');

describe('store outage: ztna run into ClickHouseServerStore while the server is away for 60 s', () => {
  let clients: TestClients;
  let standIn: ClickHouseHttp | undefined;
  beforeAll(async () => {
    clients = await connectClients(brokers);
  });
  afterAll(async () => {
    await standIn?.stop();
    await clients?.disconnect();
  });

  it('commits nothing it has not stored, backs off, reports the store not ready, resumes by itself, and stores every event once', async () => {
    const { admin, producer } = clients;
    const topics = uniqueTopics();
    const eventTopics = [topics.auth, topics.policy, topics.posture, topics.token];
    await admin.createTopics({ waitForLeaders: true, topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 1 })) });
    const sent = new Map<string, SimulatedRecord[]>();
    const before = simulatedRecords(12_000, 61);
    const during = simulatedRecords(4_000, 62);
    await produceInOrder(producer, sent, topics, before);

    const dataDir = tempDir('outage-clickhouse');
    standIn = await startClickHouseHttp({ dataDir, user: USER, password: PASSWORD });
    const group = `g-${topics.auth}`;
    // Batches far smaller than the stream, so that the server dies with most of it unread.
    const consumer = startConsumer(brokers, topics, tempDir('outage-unused'), group, {
      CLICKHOUSE_URL: standIn.url,
      CLICKHOUSE_USER: USER,
      CLICKHOUSE_PASSWORD: PASSWORD,
      ZTNA_RETENTION_DAYS: '3650',
      ZTNA_BATCH_MAX_RECORDS: '500',
    });
    const http = await waitFor('the HTTP address', async () => /HTTP on (http:\/\/[\d.]+:\d+)/.exec(consumer.stdout())?.[1]);
    await waitFor('the first commits', async () => offsetSum(await committedOffsets(admin, group, eventTopics)) > 0, 90_000, 20);

    // The server dies mid-stream; the emitters go on sending.
    await standIn.kill();
    const down = Date.now();
    const retriesBefore = await retries(http);
    await produceInOrder(producer, sent, topics, during);

    const notReady = await waitFor('/readyz to say the store is down', async () => {
      const res = await fetch(`${http}/readyz`);
      return res.status === 503 && ((await res.json()) as { down: Record<string, string> });
    });
    expect(notReady.down.store).toContain(`cannot reach ${standIn.url}`);

    // What the group has committed is stored: read the data directory the server left (it is down,
    // so this is what it acknowledged) and find every valid event of the committed records in it.
    const atDown = await committedOffsets(admin, group, eventTopics);
    const end = before.length + during.length;
    expect(offsetSum(atDown)).toBeGreaterThan(0);
    expect(offsetSum(atDown)).toBeLessThan(end);
    const covered = expectedFromTruth(eventTopics.flatMap((t) => sent.get(t)!.slice(0, atDown.get(t))));
    const storedAtDown = await readStore(dataDir, storedEventKeys);
    expect(missingKeys(storedAtDown, covered.events)).toEqual(noKeys());

    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - down))));
    // Nothing was committed while the store was away, and the retries backed off: at 250 ms doubling
    // to 30 s, 60 s hold 8 attempts; a consumer that spun would have made thousands.
    expect(await committedOffsets(admin, group, eventTopics)).toEqual(atDown);
    const attempts = (await retries(http)) - retriesBefore;
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(12);
    expect(consumer.child.exitCode).toBeNull();

    standIn = await startClickHouseHttp({ dataDir, port: standIn.port, user: USER, password: PASSWORD });
    const back = Date.now();
    await waitFor(
      'the consumer to commit again',
      async () => offsetSum(await committedOffsets(admin, group, eventTopics)) > offsetSum(atDown),
      120_000,
      100,
    );
    const resumedAfterMs = Date.now() - back;
    console.log(
      `store outage: ${((back - down) / 1000).toFixed(1)} s down, ${attempts} store attempts meanwhile; ` +
        `the consumer committed again ${(resumedAfterMs / 1000).toFixed(1)} s after the server was back`,
    );
    await waitCaughtUp(admin, group, eventTopics, consumer, 180_000);
    await waitFor('/readyz to be ready again', async () => (await fetch(`${http}/readyz`)).status === 200, 30_000);
    const stdout = await stopGracefully(consumer);
    expect(Number(/stopped cleanly · (\d+) read/.exec(stdout)?.[1])).toBe(end);

    // Every event of both parts once, nothing besides; every malformed record once in the dead letters.
    const truth = expectedFromTruth([...before, ...during]);
    const store = new ClickHouseServerStore({ url: standIn.url, username: USER, password: PASSWORD });
    try {
      const stored = await storedEventKeys(store);
      expect(missingKeys(stored, truth.events)).toEqual(noKeys());
      expect(extraKeys(stored, truth.events)).toEqual(noKeys());
      expect(await queryCount(store, 'SELECT count() AS n FROM rejected_events FINAL')).toBe(truth.invalid.length);
      const rows = await eventRows(store, { final: false });
      console.log(
        `store outage: ${rows - KINDS.reduce((s, k) => s + truth.events[k].length, 0)} rows stored twice before merging (an insert the server took as it died, sent again)`,
      );
    } finally {
      await store.close();
    }
  }, 420_000);
});
