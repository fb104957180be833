// Helpers for end-to-end tests: the `ztna run` process against the real broker, and Kafka plumbing.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { normalizeRecord, type Kind } from '../../src/events/index.js';
import { CLI, HMAC_KEY, normalizeOptions } from './helpers.js';

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

export interface ConsumerProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
}

/** `ztna run` consuming the test topics into chDB under dataDir. */
export function startConsumer(brokers: string, topics: TestTopics, dataDir: string, groupId: string, extraEnv: NodeJS.ProcessEnv = {}): ConsumerProcess {
  const child = spawn(process.execPath, [CLI, 'run'], {
    env: {
      ...process.env,
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
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, stdout: () => out, stderr: () => err };
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

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Waits until the group has committed every message on its topics. */
export async function waitCaughtUp(admin: Admin, groupId: string, topics: string[], consumer: ConsumerProcess): Promise<void> {
  await waitFor(`group ${groupId} to catch up`, async () => {
    if (consumer.child.exitCode !== null) throw new Error(`consumer exited early: ${consumer.stderr()}`);
    const p = await progress(admin, groupId, topics);
    return p && p.end > 0 && p.committed === p.end ? true : undefined;
  });
}

export async function stopGracefully(consumer: ConsumerProcess): Promise<string> {
  consumer.child.kill('SIGTERM');
  const { code } = await consumer.exited;
  if (code !== 0) throw new Error(`consumer exited with ${code}: ${consumer.stderr()}`);
  return consumer.stdout();
}

export interface Expected {
  idsByKind: Record<Kind, Set<string>>;
  invalid: number;
}

/** What the store must hold for these raw records: the distinct valid event ids per kind. */
export function expectedFrom(values: readonly Buffer[]): Expected {
  const idsByKind: Record<Kind, Set<string>> = { auth: new Set(), policy: new Set(), posture: new Set(), token: new Set() };
  let invalid = 0;
  for (const value of values) {
    const o = normalizeRecord(value, normalizeOptions());
    if (o.status === 'normalized') idsByKind[o.event.kind].add(o.event.event_id);
    else if (o.status === 'rejected') invalid++;
  }
  return { idsByKind, invalid };
}
