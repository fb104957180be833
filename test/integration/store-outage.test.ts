// The store goes away mid-stream: `ztna run` consumes from the real broker into ClickHouseServerStore
// on the HTTP stand-in for the server process (the real engine, chDB, in a child process), the server
// is killed for 60 s and started again on the same port and data directory. Nothing is committed that
// is not stored, the consumer backs off instead of spinning, /readyz names the store while it is down,
// the consumer resumes by itself, and afterwards every event is stored exactly once.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Admin, Producer } from 'kafkajs';
import { KINDS } from '../../src/events/index.js';
import { ClickHouseServerStore } from '../../src/store/index.js';
import { TrafficSimulator, type SimulatedRecord } from '../../src/simulate/traffic.js';
import { tempDir } from '../support/helpers.js';
import {
  connectClients,
  startConsumer,
  stopGracefully,
  uniqueTopics,
  waitCaughtUp,
  type TestClients,
  type TestTopics,
} from '../support/kafkaConsumer.js';
import { startClickHouseHttp, type ClickHouseHttp } from '../support/services/clickhouseHttp.js';
import { eventRows, queryCount, readStore } from '../support/store.js';
import { expectedFromTruth, keyDifference, storedEventKeys, type EventKeys } from '../support/truth.js';
import { waitFor } from '../support/wait.js';

const brokers = inject('kafkaBrokers');
const OUTAGE_MS = 60_000;
const USER = 'ztna';
const PASSWORD = randomBytes(12).toString('hex');

function simulate(n: number, seed: number): SimulatedRecord[] {
  const sim = new TrafficSimulator({ seed, start: Date.parse('2026-11-20T09:00:00Z'), invalidShare: 0.02, notAccessShare: 0.01 });
  return Array.from({ length: n }, () => sim.next());
}

/**
 * Each record on its kind's topic, one partition each, in order: the record at offset k of a topic
 * is the k-th sent to it, so a committed offset says exactly which records it covers.
 */
async function produceInOrder(producer: Producer, sent: Map<string, SimulatedRecord[]>, topics: TestTopics, records: SimulatedRecord[]) {
  const batch = new Map<string, SimulatedRecord[]>();
  for (const r of records) {
    const topic = topics[r.topicKind];
    batch.set(topic, [...(batch.get(topic) ?? []), r]);
    sent.set(topic, [...(sent.get(topic) ?? []), r]);
  }
  for (const [topic, list] of batch)
    for (let i = 0; i < list.length; i += 500)
      await producer.send({ topic, acks: -1, messages: list.slice(i, i + 500).map((r) => ({ value: r.line, partition: 0 })) });
}

/** The group's committed offset per topic (0 before the first commit), once the group coordinator answers. */
function committed(admin: Admin, group: string, topics: string[]): Promise<Map<string, number>> {
  return waitFor(`the offsets of ${group}`, async () => {
    try {
      const offsets = await admin.fetchOffsets({ groupId: group, topics });
      return new Map(offsets.map((t) => [t.topic, Math.max(0, Number(t.partitions[0]!.offset))]));
    } catch (err) {
      if ((err as { retriable?: boolean }).retriable) return undefined;
      throw err;
    }
  });
}
const total = (offsets: Map<string, number>) => [...offsets.values()].reduce((s, n) => s + n, 0);

async function metric(http: string, series: string): Promise<number> {
  const text = await (await fetch(`${http}/metrics`)).text();
  return Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
}
const retries = (http: string) => metric(http, 'ztna_ingest_retries_total{door="kafka"}');

const noneMissing: Record<string, string[]> = Object.fromEntries(KINDS.map((k) => [k, []]));
const missing = (stored: EventKeys, expected: EventKeys) =>
  Object.fromEntries(KINDS.map((k) => [k, keyDifference(stored[k], expected[k]).missing]));

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
    const before = simulate(12_000, 61);
    const during = simulate(4_000, 62);
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
    await waitFor('the first commits', async () => total(await committed(admin, group, eventTopics)) > 0, 90_000, 20);

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
    const atDown = await committed(admin, group, eventTopics);
    const end = before.length + during.length;
    expect(total(atDown)).toBeGreaterThan(0);
    expect(total(atDown)).toBeLessThan(end);
    const covered = expectedFromTruth(eventTopics.flatMap((t) => sent.get(t)!.slice(0, atDown.get(t))));
    const storedAtDown = await readStore(dataDir, storedEventKeys);
    expect(missing(storedAtDown, covered.events)).toEqual(noneMissing);

    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - down))));
    // Nothing was committed while the store was away, and the retries backed off: at 250 ms doubling
    // to 30 s, 60 s hold 8 attempts; a consumer that spun would have made thousands.
    expect(await committed(admin, group, eventTopics)).toEqual(atDown);
    const attempts = (await retries(http)) - retriesBefore;
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(12);
    expect(consumer.child.exitCode).toBeNull();

    standIn = await startClickHouseHttp({ dataDir, port: standIn.port, user: USER, password: PASSWORD });
    const back = Date.now();
    await waitFor(
      'the consumer to commit again',
      async () => total(await committed(admin, group, eventTopics)) > total(atDown),
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
      expect(missing(stored, truth.events)).toEqual(noneMissing);
      expect(Object.fromEntries(KINDS.map((k) => [k, keyDifference(stored[k], truth.events[k]).extra]))).toEqual(noneMissing);
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
