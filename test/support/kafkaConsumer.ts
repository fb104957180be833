// Helpers for end-to-end tests: the `ztna run` process against the real broker, and Kafka plumbing.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
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
