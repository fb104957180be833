// End to end on a real Apache Kafka broker: the `ztna run` process consumes, normalizes
// and stores into chDB; killed with SIGKILL and restarted, it loses nothing and counts
// nothing twice; restarted cleanly, it resumes from its committed offsets.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Admin, Producer } from 'kafkajs';
import { KINDS, type Kind } from '../../src/events/index.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import { migrate } from '../../src/store/index.js';
import { TrafficSimulator, type SimulatedRecord } from '../../src/simulate/traffic.js';
import { FIXTURE_SOURCES, fixtureLines, tempDir, type FixtureSource } from '../support/helpers.js';
import { dashboardQueries, expandPromQL, KAFKA_ONLY } from '../support/dashboards.js';
import { freePort } from '../support/services/ports.js';
import { queryPrometheus, startPrometheus } from '../support/services/prometheus.js';
import {
  connectClients,
  progress,
  startConsumer,
  stopGracefully,
  uniqueTopics,
  waitCaughtUp,
  type TestClients,
  type TestTopics,
} from '../support/kafkaConsumer.js';
import { pipelineOptions } from '../support/pipeline.js';
import { eventRows, queryCount, readStore } from '../support/store.js';
import { expectedFromTruth, keyDifference, storedEventKeys, type EventKeys } from '../support/truth.js';
import { waitFor } from '../support/wait.js';

const brokers = inject('kafkaBrokers');

/** The dashboard panels that need Kafka (consumer lag), through a real Prometheus scraping the consumer. */
async function expectKafkaPanelsFilled(target: string): Promise<void> {
  const queries = dashboardQueries().filter((q) => q.datasource === 'prometheus' && KAFKA_ONLY.test(q.text));
  expect(queries.map((q) => q.panel)).toEqual(['Consumer lag']);
  const prometheus = await startPrometheus(tempDir('e2e-prometheus'), {
    scrapeTarget: target,
    alertmanager: '127.0.0.1:9',
    ruleFiles: [],
    intervalSeconds: 1,
  });
  try {
    for (const q of queries) {
      const expr = expandPromQL(q.text, { tenant: { all: '.*' } }, '15s');
      const result = await waitFor(
        q.panel,
        async () => {
          const { data } = await queryPrometheus(prometheus, expr);
          return data.result.length > 0 && data.result;
        },
        30_000,
      );
      expect(result.map((r) => r.metric.topic ?? '').join(' '), expr).toMatch(/e2e-/);
    }
  } finally {
    await prometheus.stop();
  }
}

interface Message {
  topic: string;
  value: Buffer;
}

function simulate(n: number, seed: number, invalidShare = 0.02): SimulatedRecord[] {
  const sim = new TrafficSimulator({ seed, start: Date.parse('2026-11-20T09:00:00Z'), invalidShare, notAccessShare: 0.01 });
  return Array.from({ length: n }, () => sim.next());
}

/** Each simulated record on the topic of its kind, as its emitter would send it. */
const onTopics = (topics: TestTopics, records: readonly SimulatedRecord[]): Message[] =>
  records.map((r) => ({ topic: topics[r.topicKind], value: Buffer.from(r.line) }));

// What each fixture record is, line by line (test/fixtures/sources/README.md; test/unit/fixtures.test.ts
// checks every mapping field by field): the kind it is, or `skipped` for a vendor event that is not an access event.
const FIXTURE_KINDS: Record<FixtureSource, ReadonlyArray<Kind | 'skipped'>> = {
  okta: ['policy', 'auth', 'auth', 'auth', 'token', 'token', 'auth', 'skipped'],
  entra: ['auth', 'auth', 'auth', 'auth', 'auth', 'auth', 'policy'],
  opa: ['policy', 'policy', 'policy', 'policy', 'policy'],
  keycloak: ['auth', 'token', 'auth', 'auth', 'skipped', 'auth', 'token', 'auth', 'auth', 'skipped'],
  native: ['auth', 'policy', 'token', 'posture'],
};

/** Every source's fixture records, each on its kind's topic (the auth topic for one that is not an access event). */
function fixtureMessages(topics: TestTopics): Message[] {
  return FIXTURE_SOURCES.flatMap((source) => {
    const lines = fixtureLines(source);
    expect(lines, source).toHaveLength(FIXTURE_KINDS[source].length);
    return lines.map((line, i) => {
      const kind = FIXTURE_KINDS[source][i]!;
      return { topic: topics[kind === 'skipped' ? 'auth' : kind], value: Buffer.from(line) };
    });
  });
}

const byKind = <T>(value: (kind: Kind) => T): Record<Kind, T> =>
  Object.fromEntries(KINDS.map((kind) => [kind, value(kind)])) as Record<Kind, T>;

// The related events fixture records carry besides their own: Entra's interactive and blocked
// sign-ins' Conditional Access allows (2 + 1), and the device compliance of three sign-ins.
const FIXTURE_RELATED: Record<Kind, number> = { auth: 0, policy: 3, posture: 3, token: 0 };

/** How many fixture events of each kind there are, related ones included. */
const fixtureEventsByKind = () =>
  byKind(
    (kind) =>
      Object.values(FIXTURE_KINDS)
        .flat()
        .filter((k) => k === kind).length + FIXTURE_RELATED[kind],
  );

async function produce(producer: Producer, messages: Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 2000) {
    const byTopic = new Map<string, Array<{ value: Buffer }>>();
    for (const m of messages.slice(i, i + 2000)) {
      if (!byTopic.has(m.topic)) byTopic.set(m.topic, []);
      byTopic.get(m.topic)!.push({ value: m.value });
    }
    await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })) });
  }
}

async function createTopics(admin: Admin, topics: TestTopics, partitions: number): Promise<void> {
  await admin.createTopics({ waitForLeaders: true, topics: Object.values(topics).map((topic) => ({ topic, numPartitions: partitions })) });
}

const NO_OTHERS: Record<Kind, number> = { auth: 0, policy: 0, posture: 0, token: 0 };

/**
 * Asserts the store under dataDir holds each expected event once (after FINAL) and, besides them,
 * exactly `others` events of each kind (records without a truth: the fixtures). Returns the rows before FINAL.
 */
async function expectStoreHolds(dataDir: string, expected: EventKeys, others = NO_OTHERS): Promise<{ rawRows: number }> {
  return readStore(dataDir, async (store) => {
    const stored = await storedEventKeys(store);
    const differences = byKind((kind) => keyDifference(stored[kind], expected[kind]));
    expect(
      byKind((kind) => differences[kind].missing),
      'lost events',
    ).toEqual({ auth: [], policy: [], posture: [], token: [] });
    expect(
      byKind((kind) => differences[kind].extra.length),
      'events besides the expected ones',
    ).toEqual(others);
    return { rawRows: await eventRows(store, { final: false }) };
  });
}

const readCount = (stdout: string) => Number(/stopped cleanly · (\d+) read/.exec(stdout)?.[1] ?? NaN);

describe('Kafka → normalize → ClickHouse (chDB), end to end', () => {
  let clients: TestClients;
  beforeAll(async () => {
    clients = await connectClients(brokers);
  });
  afterAll(async () => clients?.disconnect());

  it('stores exactly the valid events of mixed vendors and dead-letters exactly the invalid ones (topic and table)', async () => {
    const { kafka, admin, producer } = clients;
    const topics = uniqueTopics();
    await createTopics(admin, topics, 2);
    const fixtures = fixtureMessages(topics);
    const malformed: Message[] = [
      { topic: topics.policy, value: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) },
      { topic: topics.auth, value: Buffer.from(`{"kind":"auth","pad":"${'x'.repeat(5000)}"}`) },
      { topic: topics.token, value: Buffer.from('{"kind":"token","time":"2026-11-20T10:00:00.000Z","emitter_id":"t","activity":"use"}') },
    ];
    // The fixture's Okta login, replayed 7 minutes later from elsewhere: a token-replay anomaly.
    const login = fixtures.find((m) => m.value.toString().includes('"user.session.start"'))!;
    const replay = JSON.parse(login.value.toString());
    Object.assign(replay, { uuid: 'c0ffee00-0000-4000-8000-000000000001', published: '2026-11-20T08:22:02.311Z' });
    replay.client.ipAddress = '198.51.100.50';
    replay.client.geographicalContext.country = 'Brazil';
    const simulated = simulate(3000, 31);
    const truth = expectedFromTruth(simulated);
    await produce(producer, [
      ...onTopics(topics, simulated),
      ...fixtures,
      { topic: topics.auth, value: Buffer.from(JSON.stringify(replay)) },
      ...malformed,
    ]);
    // To be dead-lettered: the simulator's malformed records and the three above.
    const invalidValues = [...truth.invalid, ...malformed.map((m) => m.value)];
    expect(invalidValues.length).toBeGreaterThan(50);

    const dataDir = tempDir('e2e-a');
    const group = `g-${topics.auth}`;
    // The fixtures and the simulated traffic have fixed dates: a retention that keeps them, or the TTL would expire them one day.
    const httpPort = await freePort();
    const consumer = startConsumer(brokers, topics, dataDir, group, {
      ZTNA_MAX_EVENT_BYTES: '4096',
      ZTNA_RETENTION_DAYS: '3650',
      ZTNA_HTTP_PORT: String(httpPort),
    });
    await waitCaughtUp(admin, group, [topics.auth, topics.policy, topics.posture, topics.token], consumer);
    await expectKafkaPanelsFilled(`127.0.0.1:${httpPort}`);
    const stdout = await stopGracefully(consumer);
    expect(stdout).toMatch(/stopped cleanly/);

    // Every simulated event once and, besides them, the fixtures' events and the replayed login.
    const fixtureEvents = fixtureEventsByKind();
    await expectStoreHolds(dataDir, truth.events, { ...fixtureEvents, auth: fixtureEvents.auth + 1 });
    await readStore(dataDir, async (store) => {
      const rejected = await store.query<{ raw_base64: string; reason: string; topic: string; partition: number; offset: string }>(
        'SELECT raw_base64, reason, topic, partition, offset FROM rejected_events FINAL',
      );
      expect(rejected.map((r) => Buffer.from(r.raw_base64, 'base64').toString('hex')).sort()).toEqual(
        invalidValues.map((v) => v.toString('hex')).sort(),
      );
      expect(rejected.every((r) => r.reason !== '' && r.topic.startsWith('e2e-') && r.offset !== null)).toBe(true);
      expect(rejected.some((r) => /over the 4096-byte limit/.test(r.reason))).toBe(true);
      const stored = await store.query<{ key: string }>("SELECT key FROM anomalies FINAL WHERE type = 'token_replay'");
      expect(stored.map((a) => a.key)).toContain('session:102Qm7Zr9TfXaBcD3eFgHiJkL');
    });

    // The dead-letter topic holds the same records, raw bytes as the value, provenance in headers;
    // the anomalies topic holds the replayed session.
    const reader = kafka.consumer({ groupId: `reader-${topics.auth}` });
    await reader.connect();
    await reader.subscribe({ topics: [topics.deadletter, topics.anomalies], fromBeginning: true });
    const letters: Array<{ value: Buffer; headers: Record<string, string> }> = [];
    const anomalies: Array<{ type: string; key: string }> = [];
    await reader.run({
      eachMessage: async ({ topic, message }) => {
        if (topic === topics.anomalies) return void anomalies.push(JSON.parse(message.value!.toString()));
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        letters.push({ value: message.value!, headers });
      },
    });
    await waitFor('dead letters and the anomaly', async () => letters.length >= invalidValues.length && anomalies.length > 0, 60_000);
    await reader.disconnect();
    expect(anomalies).toContainEqual(expect.objectContaining({ type: 'token_replay', key: 'session:102Qm7Zr9TfXaBcD3eFgHiJkL' }));
    // The topic is at least once (a batch sent again after a crash or a rebalance): read as its readers
    // should, by reject id, it holds each invalid record once.
    const distinct = [...new Map(letters.map((l) => [l.headers['ztna-reject-id'], l])).values()];
    expect(distinct.map((l) => l.value.toString('hex')).sort()).toEqual(invalidValues.map((v) => v.toString('hex')).sort());
    for (const l of letters) {
      expect(l.headers['ztna-reason']).toBeTruthy();
      expect(Object.values(topics)).toContain(l.headers['ztna-source-topic']);
      expect(Number(l.headers['ztna-source-offset'])).toBeGreaterThanOrEqual(0);
      expect(['0', '1']).toContain(l.headers['ztna-source-partition']);
    }
  });

  it('loses nothing and counts nothing twice when the consumer is killed with SIGKILL mid-stream and restarted', async () => {
    const { admin, producer } = clients;
    const topics = uniqueTopics();
    await createTopics(admin, topics, 3);
    const eventTopics = [topics.auth, topics.policy, topics.posture, topics.token];
    const first = simulate(20_000, 41);
    const second = simulate(10_000, 42);
    await produce(producer, onTopics(topics, first));

    const dataDir = tempDir('e2e-b');
    const group = `g-${topics.auth}`;
    // Batches far smaller than the stream (the default batch would hold all of it), so that a
    // kill as soon as some batches are committed lands while most of the stream is still unread.
    const doomed = startConsumer(brokers, topics, dataDir, group, { ZTNA_BATCH_MAX_RECORDS: '1000' });
    const atKill = await waitFor(
      'the first commits',
      async () => {
        const p = await progress(admin, group, eventTopics);
        return p !== undefined && p.committed > 0 && p;
      },
      90_000,
      20,
    );
    doomed.child.kill('SIGKILL');
    const killed = await doomed.exited;
    expect(killed.signal).toBe('SIGKILL');
    const afterKill = await waitFor('offsets after the kill', () => progress(admin, group, eventTopics));
    expect(afterKill.committed).toBeLessThan(afterKill.end);
    expect(atKill.committed).toBeGreaterThan(0);

    await produce(producer, onTopics(topics, second));
    const restarted = startConsumer(brokers, topics, dataDir, group);
    await waitCaughtUp(admin, group, eventTopics, restarted);
    const stdout = await stopGracefully(restarted);

    const expected = expectedFromTruth([...first, ...second]).events;
    const { rawRows } = await expectStoreHolds(dataDir, expected);
    const distinct = KINDS.reduce((s, k) => s + expected[k].length, 0);
    // The restarted consumer re-read everything after the last commit: those redelivered
    // rows may sit unmerged as duplicates; FINAL (asserted above) counts them once.
    expect(readCount(stdout)).toBe(afterKill.end + second.length - afterKill.committed);
    expect(rawRows).toBeGreaterThanOrEqual(distinct);
  });

  it('loses nothing and counts nothing twice when killed while a batch from many partitions is half inserted', async () => {
    const { admin, producer } = clients;
    const topics = uniqueTopics();
    await createTopics(admin, topics, 3);
    const eventTopics = [topics.auth, topics.policy, topics.posture, topics.token];
    const records = simulate(6_000, 43);
    await produce(producer, onTopics(topics, records));
    const dataDir = tempDir('e2e-half');
    // The engine itself refuses rejected_events inserts (TOO_MANY_PARTS) once the month has a part:
    // a seed dead letter makes that part, so every batch gets its events in and not its dead letters.
    await readStore(dataDir, async (store) => {
      await migrate(store, { retentionDays: 400 });
      await new IngestPipeline(store, pipelineOptions()).processBatch([{ value: Buffer.from('{"seed": '), origin: { door: 'file' } }]);
      await store.command('ALTER TABLE rejected_events MODIFY SETTING parts_to_delay_insert = 1, parts_to_throw_insert = 1');
    });
    const group = `g-${topics.auth}`;
    const doomed = startConsumer(brokers, topics, dataDir, group, { ZTNA_BATCH_MAX_RECORDS: '1000' });
    const metricsUrl = await waitFor('the HTTP address', async () => /HTTP on (http:\/\/[\d.]+:\d+)/.exec(doomed.stdout())?.[1]);
    const metric = (text: string, series: string) =>
      Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    await waitFor('a half-inserted batch', async () => {
      const text = await (await fetch(`${metricsUrl}/metrics`)).text();
      return (
        metric(text, 'ztna_store_errors_total{table="rejected_events",class="transient"}') >= 1 &&
        metric(text, 'ztna_store_insert_duration_seconds_count{table="events"}') >= 1
      );
    });
    const atKill = await progress(admin, group, eventTopics);
    doomed.child.kill('SIGKILL');
    expect((await doomed.exited).signal).toBe('SIGKILL');
    // Batches without dead letters were stored and committed; the half-stored ones not.
    expect(atKill!.committed).toBeLessThan(atKill!.end);

    await readStore(dataDir, (store) =>
      store.command('ALTER TABLE rejected_events RESET SETTING parts_to_delay_insert, parts_to_throw_insert'),
    );
    const restarted = startConsumer(brokers, topics, dataDir, group);
    await waitCaughtUp(admin, group, eventTopics, restarted);
    await stopGracefully(restarted);
    const truth = expectedFromTruth(records);
    await expectStoreHolds(dataDir, truth.events);
    await readStore(dataDir, async (store) =>
      // Every invalid record once, and the seed.
      expect(await queryCount(store, 'SELECT count() AS n FROM rejected_events FINAL')).toBe(truth.invalid.length + 1),
    );
  });

  it('resumes from the committed offsets after a clean restart with the same group', async () => {
    const { admin, producer } = clients;
    const topics = uniqueTopics();
    await createTopics(admin, topics, 2);
    const eventTopics = [topics.auth, topics.policy, topics.posture, topics.token];
    const dataDir = tempDir('e2e-c');
    const group = `g-${topics.auth}`;
    const first = simulate(2000, 51);
    const second = simulate(700, 52);

    await produce(producer, onTopics(topics, first));
    const run1 = startConsumer(brokers, topics, dataDir, group);
    await waitCaughtUp(admin, group, eventTopics, run1);
    expect(readCount(await stopGracefully(run1))).toBe(first.length);

    await produce(producer, onTopics(topics, second));
    const run2 = startConsumer(brokers, topics, dataDir, group);
    await waitCaughtUp(admin, group, eventTopics, run2);
    expect(readCount(await stopGracefully(run2))).toBe(second.length);

    await expectStoreHolds(dataDir, expectedFromTruth([...first, ...second]).events);
  });
});
