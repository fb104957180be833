// End to end on a real Apache Kafka broker: the `ztna run` process consumes, normalizes
// and stores into chDB; killed with SIGKILL and restarted, it loses nothing and counts
// nothing twice; restarted cleanly, it resumes from its committed offsets.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { KINDS, normalizeRecord } from '../../src/events/index.js';
import { ChdbStore } from '../../src/store/index.js';
import { TrafficSimulator } from '../../src/simulate/traffic.js';
import { allFixtureLines, normalizeOptions, tempDir } from '../support/helpers.js';
import { dashboardQueries, expandPromQL, KAFKA_ONLY } from '../support/dashboards.js';
import { freePort } from '../support/services/ports.js';
import { startPrometheus } from '../support/services/prometheus.js';
import { expectedFrom, progress, startConsumer, stopGracefully, testKafka, uniqueTopics, waitCaughtUp, waitFor, type Expected, type TestTopics } from '../support/kafkaConsumer.js';

const brokers = inject('kafkaBrokers');

/** The dashboard panels that need Kafka (consumer lag), through a real Prometheus scraping the consumer. */
async function expectKafkaPanelsFilled(target: string): Promise<void> {
  const queries = dashboardQueries().filter((q) => q.datasource === 'prometheus' && KAFKA_ONLY.test(q.text));
  expect(queries.map((q) => q.panel)).toContain('Consumer lag');
  const prometheus = await startPrometheus(tempDir('e2e-prometheus'), { scrapeTarget: target, alertmanager: '127.0.0.1:9', ruleFiles: [], intervalSeconds: 1 });
  try {
    for (const q of queries) {
      const expr = expandPromQL(q.text, { tenant: { all: '.*' } }, '15s');
      const result = await waitFor(q.panel, async () => {
        const body = (await (await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as { data: { result: Array<{ metric: Record<string, string> }> } };
        return body.data.result.length > 0 ? body.data.result : undefined;
      }, 30_000);
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

function simulatedMessages(topics: TestTopics, n: number, seed: number, invalidShare = 0.02): Message[] {
  const sim = new TrafficSimulator({ seed, start: Date.parse('2026-11-20T09:00:00Z'), invalidShare, notAccessShare: 0.01 });
  return Array.from({ length: n }, () => {
    const r = sim.next();
    return { topic: topics[r.topicKind], value: Buffer.from(r.line) };
  });
}

/** Every source's fixture records, each on its kind's topic (the auth topic for one that is not an access event). */
function fixtureMessages(topics: TestTopics): Message[] {
  return allFixtureLines().map((line) => {
    const outcome = normalizeRecord(line, normalizeOptions());
    return { topic: topics[outcome.status === 'normalized' ? outcome.event.kind : 'auth'], value: Buffer.from(line) };
  });
}

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

/** Asserts the store under dataDir holds exactly the expected distinct events, each once. */
async function expectStoreHolds(dataDir: string, expected: Expected): Promise<{ rawRows: number }> {
  const store = new ChdbStore(dataDir);
  let rawRows = 0;
  try {
    for (const kind of KINDS) {
      const ids = await store.query<{ event_id: string }>(`SELECT event_id FROM ${kind}_events FINAL`);
      const stored = ids.map((r) => r.event_id);
      const missing = [...expected.idsByKind[kind]].filter((id) => !stored.includes(id));
      expect(missing, `${kind}: lost events`).toEqual([]);
      expect(stored.length, `${kind}: rows after FINAL`).toBe(expected.idsByKind[kind].size);
      rawRows += Number((await store.query<{ n: string }>(`SELECT count() AS n FROM ${kind}_events`))[0]!.n);
    }
  } finally {
    await store.close();
  }
  return { rawRows };
}

const readCount = (stdout: string) => Number(/stopped cleanly · (\d+) read/.exec(stdout)?.[1] ?? NaN);

describe('Kafka → normalize → ClickHouse (chDB), end to end', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    kafka = testKafka(brokers);
    admin = kafka.admin();
    producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
  });
  afterAll(async () => {
    await Promise.all([admin?.disconnect(), producer?.disconnect()]);
  });

  it('stores exactly the valid events of mixed vendors and dead-letters exactly the invalid ones (topic and table)', async () => {
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
    const messages = [...simulatedMessages(topics, 3000, 31), ...fixtures, { topic: topics.auth, value: Buffer.from(JSON.stringify(replay)) }, ...malformed];
    await produce(producer, messages);
    const expected = expectedFrom(messages.map((m) => m.value).filter((v) => v.length <= 4096));
    const invalidValues = messages.map((m) => m.value).filter((v) => v.length > 4096 || expectedFrom([v]).invalid === 1);
    expect(invalidValues.length).toBeGreaterThan(50);

    const dataDir = tempDir('e2e-a');
    const group = `g-${topics.auth}`;
    // The fixtures and the simulated traffic have fixed dates: a retention that keeps them, or the TTL would expire them one day.
    const httpPort = await freePort();
    const consumer = startConsumer(brokers, topics, dataDir, group, { ZTNA_MAX_EVENT_BYTES: '4096', ZTNA_RETENTION_DAYS: '3650', ZTNA_HTTP_PORT: String(httpPort) });
    await waitCaughtUp(admin, group, [topics.auth, topics.policy, topics.posture, topics.token], consumer);
    await expectKafkaPanelsFilled(`127.0.0.1:${httpPort}`);
    const stdout = await stopGracefully(consumer);
    expect(stdout).toMatch(/stopped cleanly/);

    await expectStoreHolds(dataDir, expected);
    const store = new ChdbStore(dataDir);
    try {
      const rejected = await store.query<{ raw_base64: string; reason: string; topic: string; partition: number; offset: string }>(
        'SELECT raw_base64, reason, topic, partition, offset FROM rejected_events FINAL',
      );
      expect(rejected.map((r) => Buffer.from(r.raw_base64, 'base64').toString('hex')).sort()).toEqual(invalidValues.map((v) => v.toString('hex')).sort());
      expect(rejected.every((r) => r.reason !== '' && r.topic.startsWith('e2e-') && r.offset !== null)).toBe(true);
      expect(rejected.some((r) => /over the 4096-byte limit/.test(r.reason))).toBe(true);
      const stored = await store.query<{ key: string }>("SELECT key FROM anomalies FINAL WHERE type = 'token_replay'");
      expect(stored.map((a) => a.key)).toContain('session:102Qm7Zr9TfXaBcD3eFgHiJkL');
    } finally {
      await store.close();
    }

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
    await waitFor('dead letters and the anomaly', async () => (letters.length >= invalidValues.length && anomalies.length > 0 ? true : undefined), 60_000);
    await reader.disconnect();
    expect(anomalies).toContainEqual(expect.objectContaining({ type: 'token_replay', key: 'session:102Qm7Zr9TfXaBcD3eFgHiJkL' }));
    expect(letters.map((l) => l.value.toString('hex')).sort()).toEqual(invalidValues.map((v) => v.toString('hex')).sort());
    for (const l of letters) {
      expect(l.headers['ztna-reason']).toBeTruthy();
      expect(Object.values(topics)).toContain(l.headers['ztna-source-topic']);
      expect(Number(l.headers['ztna-source-offset'])).toBeGreaterThanOrEqual(0);
      expect(['0', '1']).toContain(l.headers['ztna-source-partition']);
    }
  });

  it('loses nothing and counts nothing twice when the consumer is killed with SIGKILL mid-stream and restarted', async () => {
    const topics = uniqueTopics();
    await createTopics(admin, topics, 3);
    const eventTopics = [topics.auth, topics.policy, topics.posture, topics.token];
    const first = simulatedMessages(topics, 20_000, 41);
    const second = simulatedMessages(topics, 10_000, 42);
    await produce(producer, first);

    const dataDir = tempDir('e2e-b');
    const group = `g-${topics.auth}`;
    const doomed = startConsumer(brokers, topics, dataDir, group);
    // Kill as soon as some batches are committed and while most of the stream is still unread.
    const atKill = await waitFor('the first commits', async () => {
      const p = await progress(admin, group, eventTopics);
      return p && p.committed > 0 ? p : undefined;
    }, 90_000, 20);
    doomed.child.kill('SIGKILL');
    const killed = await doomed.exited;
    expect(killed.signal).toBe('SIGKILL');
    const afterKill = await waitFor('offsets after the kill', () => progress(admin, group, eventTopics));
    expect(afterKill.committed).toBeLessThan(afterKill.end);
    expect(atKill.committed).toBeGreaterThan(0);

    await produce(producer, second);
    const restarted = startConsumer(brokers, topics, dataDir, group);
    await waitCaughtUp(admin, group, eventTopics, restarted);
    const stdout = await stopGracefully(restarted);

    const expected = expectedFrom([...first, ...second].map((m) => m.value));
    const { rawRows } = await expectStoreHolds(dataDir, expected);
    const distinct = KINDS.reduce((s, k) => s + expected.idsByKind[k].size, 0);
    // The restarted consumer re-read everything after the last commit: those redelivered
    // rows may sit unmerged as duplicates; FINAL (asserted above) counts them once.
    expect(readCount(stdout)).toBe(afterKill.end + second.length - afterKill.committed);
    expect(rawRows).toBeGreaterThanOrEqual(distinct);
  });

  it('resumes from the committed offsets after a clean restart with the same group', async () => {
    const topics = uniqueTopics();
    await createTopics(admin, topics, 2);
    const eventTopics = [topics.auth, topics.policy, topics.posture, topics.token];
    const dataDir = tempDir('e2e-c');
    const group = `g-${topics.auth}`;
    const first = simulatedMessages(topics, 2000, 51);
    const second = simulatedMessages(topics, 700, 52);

    await produce(producer, first);
    const run1 = startConsumer(brokers, topics, dataDir, group);
    await waitCaughtUp(admin, group, eventTopics, run1);
    expect(readCount(await stopGracefully(run1))).toBe(first.length);

    await produce(producer, second);
    const run2 = startConsumer(brokers, topics, dataDir, group);
    await waitCaughtUp(admin, group, eventTopics, run2);
    expect(readCount(await stopGracefully(run2))).toBe(second.length);

    await expectStoreHolds(dataDir, expectedFrom([...first, ...second].map((m) => m.value)));
  });
});
