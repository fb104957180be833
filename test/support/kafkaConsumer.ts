// Helpers for end-to-end tests: the `ztna run` process against the real broker, and Kafka plumbing.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { TrafficSimulator, type SimulatedRecord } from '../../src/simulate/traffic.js';
import { HMAC_KEY, startCli, type RunningCli } from './helpers.js';
import { waitFor } from './wait.js';

export interface TestTopics {
  auth: string;
  policy: string;
  posture: string;
  token: string;
  deadletter: string;
  anomalies: string;
}

export function uniqueTopics(): TestTopics {
  const id = randomUUID().slice(0, 8);
  return {
    auth: `e2e-${id}.auth`,
    policy: `e2e-${id}.policy`,
    posture: `e2e-${id}.posture`,
    token: `e2e-${id}.token`,
    deadletter: `e2e-${id}.deadletter`,
    anomalies: `e2e-${id}.anomalies`,
  };
}

export function testKafka(brokers: string): Kafka {
  return new Kafka({ brokers: [brokers], clientId: 'ztna-tests', logLevel: logLevel.NOTHING });
}

/** A test's own clients of the broker: the admin and a producer, connected. */
export interface TestClients {
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  disconnect(): Promise<void>;
}

export async function connectClients(brokers: string): Promise<TestClients> {
  const kafka = testKafka(brokers);
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  return {
    kafka,
    admin,
    producer,
    disconnect: async () => {
      await Promise.all([admin.disconnect(), producer.disconnect()]);
    },
  };
}

/** `ztna run` consuming the test topics into chDB under dataDir. */
export function startConsumer(
  brokers: string,
  topics: TestTopics,
  dataDir: string,
  groupId: string,
  extraEnv: NodeJS.ProcessEnv = {},
): RunningCli {
  return startCli(['run'], {
    CLICKHOUSE_URL: '',
    KAFKA_BROKERS: brokers,
    ZTNA_KAFKA_GROUP: groupId,
    ZTNA_TOPIC_AUTH: topics.auth,
    ZTNA_TOPIC_POLICY: topics.policy,
    ZTNA_TOPIC_POSTURE: topics.posture,
    ZTNA_TOPIC_TOKEN: topics.token,
    ZTNA_TOPIC_DEADLETTER: topics.deadletter,
    ZTNA_TOPIC_ANOMALIES: topics.anomalies,
    // The test's own keyed topic: a group reads it from the beginning, and other tests' events are not this one's.
    ZTNA_TOPIC_KEYED: topics.anomalies.replace(/\.anomalies$/, '.keyed'),
    ZTNA_DATA_DIR: dataDir,
    ZTNA_HMAC_KEY: HMAC_KEY,
    ZTNA_PROGRESS_SECONDS: '0',
    // Any free port: tests run side by side, and a developer may have a `ztna run` on 8080.
    ZTNA_HTTP_PORT: '0',
    // The broker's minimum: a SIGKILLed consumer's partitions move on after 6 s, not 30.
    ZTNA_KAFKA_SESSION_TIMEOUT_MS: '6000',
    LOG_LEVEL: 'warn',
    ...extraEnv,
  });
}

/** Sum of the group's committed offsets and of the topics' end offsets (undefined while the group coordinator settles). */
export async function progress(admin: Admin, groupId: string, topics: string[]): Promise<{ committed: number; end: number } | undefined> {
  try {
    return await offsets(admin, groupId, topics);
  } catch (err) {
    if ((err as { retriable?: boolean }).retriable) return undefined;
    throw err;
  }
}

async function offsets(admin: Admin, groupId: string, topics: string[]): Promise<{ committed: number; end: number }> {
  let committed = 0;
  let end = 0;
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) end += Number(p.high);
  }
  for (const t of await admin.fetchOffsets({ groupId, topics })) {
    for (const p of t.partitions) committed += Math.max(0, Number(p.offset));
  }
  return { committed, end };
}

/** Waits until the group has committed every message on its topics. */
export async function waitCaughtUp(
  admin: Admin,
  groupId: string,
  topics: string[],
  consumer: RunningCli,
  timeoutMs = 90_000,
): Promise<void> {
  await waitFor(
    `group ${groupId} to catch up`,
    async () => {
      if (consumer.child.exitCode !== null) throw new Error(`consumer exited early: ${consumer.stderr()}`);
      const p = await progress(admin, groupId, topics);
      return p !== undefined && p.end > 0 && p.committed === p.end;
    },
    timeoutMs,
  );
}

export async function stopGracefully(consumer: RunningCli): Promise<string> {
  consumer.child.kill('SIGTERM');
  const { code } = await consumer.exited;
  if (code !== 0) throw new Error(`consumer exited with ${code}: ${consumer.stderr()}`);
  return consumer.stdout();
}

/** `n` simulated records from `seed`: every kind, 2 % malformed, 1 % vendor events that are not access events. */
export function simulatedRecords(n: number, seed: number): SimulatedRecord[] {
  const sim = new TrafficSimulator({ seed, start: Date.parse('2026-11-20T09:00:00Z'), invalidShare: 0.02, notAccessShare: 0.01 });
  return Array.from({ length: n }, () => sim.next());
}

/**
 * Each record on its kind's topic, one partition each, in order, noted in `sent` per topic: the
 * record at offset k of a topic is the k-th sent to it, so a committed offset says exactly which
 * records it covers.
 */
export async function produceInOrder(
  producer: Producer,
  sent: Map<string, SimulatedRecord[]>,
  topics: TestTopics,
  records: SimulatedRecord[],
) {
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

/** The group's committed offset per single-partition topic (0 before the first commit), once the group coordinator answers. */
export function committedOffsets(admin: Admin, group: string, topics: string[], timeoutMs?: number): Promise<Map<string, number>> {
  return waitFor(
    `the offsets of ${group}`,
    async () => {
      try {
        const offsets = await admin.fetchOffsets({ groupId: group, topics });
        return new Map(offsets.map((t) => [t.topic, Math.max(0, Number(t.partitions[0]!.offset))]));
      } catch (err) {
        if ((err as { retriable?: boolean }).retriable) return undefined;
        throw err;
      }
    },
    timeoutMs,
  );
}

export const offsetSum = (offsets: Map<string, number>) => [...offsets.values()].reduce((s, n) => s + n, 0);

/** A series' value on a running `ztna`'s /metrics (0 when it has none yet). */
export async function metricValue(http: string, series: string): Promise<number> {
  const text = await (await fetch(`${http}/metrics`)).text();
  return Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
}

/**
 * The dead letters on `topic` by reject id, its value the record's exact bytes: read from the start
 * by a group of its own until `expected` distinct ones are in. The topic is at least once (a batch sent
 * again after a crash, a rebalance or a broker restart), so its readers go by reject id.
 */
export async function deadLettersByRejectId(kafka: Kafka, topic: string, expected: number): Promise<Map<string, Buffer>> {
  const letters = new Map<string, Buffer>();
  const reader = kafka.consumer({ groupId: `reader-${randomUUID()}` });
  await reader.connect();
  try {
    await reader.subscribe({ topics: [topic], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => void letters.set(String(message.headers?.['ztna-reject-id']), message.value ?? Buffer.alloc(0)),
    });
    await waitFor(`${expected} dead letters on ${topic}`, async () => letters.size >= expected, 60_000);
  } finally {
    await reader.disconnect();
  }
  return letters;
}
