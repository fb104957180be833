// The checks of `ztna doctor`: each connects to one system, with a deadline, and says what it
// found and what is wrong, in plain words. Built from the same settings and clients the service
// uses, so a check that passes means the service can connect the same way.
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from 'pino';
import { kafkaClient, kafkaSetupFailure, type KafkaClientSettings } from '../kafka/client.js';
import { namedQuery, StoreError, type Store } from '../store/index.js';
import { layoutDdl, type StoreLayout } from '../store/clusterLayout.js';
import { migrationChecksum } from '../store/migrate.js';
import { brokerVersion, type BrokerVersion } from './kafkaVersion.js';
import { describeRange, outOfRange, SUPPORT, type SupportRange } from './support.js';

export interface CheckResult {
  /** What was checked and where: "Kafka (127.0.0.1:9092)". */
  name: string;
  /** What was found, one fact a line. */
  found: string[];
  /** What is wrong, one problem a line; empty when all is well. */
  problems: string[];
  /** Why it was not checked, when it was not. */
  note?: string;
}

/** Rejects with `what` when the promise has not settled within the time. */
export async function within<T>(ms: number, what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`${what}: no answer within ${ms / 1000} s`));
    }, ms);
  });
  try {
    return await Promise.race([run(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const versionLine = (version: string, range: SupportRange) => `version ${version}, supported ${describeRange(range)}`;

export interface KafkaCheckOptions {
  settings: KafkaClientSettings;
  tls: ConnectionOptions | undefined;
  /** Every topic the service reads or writes. */
  topics: string[];
  /** ZTNA_KAFKA_CREATE_PARTITIONS: above 0, `ztna run` creates missing topics itself. */
  createPartitions: number;
  timeoutMs: number;
  log: Logger;
}

export async function checkKafka(options: KafkaCheckOptions): Promise<CheckResult> {
  const result: CheckResult = { name: `Kafka (${options.settings.brokers.join(',')})`, found: [], problems: [] };
  const version = await firstBrokerVersion(options, result);
  if (!version) return result;
  if (version.release === undefined)
    result.found.push(`version not reported (ZooKeeper mode or before 3.3), supported ${describeRange(SUPPORT.kafka)}`);
  else {
    result.found.push(versionLine(version.release, SUPPORT.kafka));
    const wrong = outOfRange(version.release, SUPPORT.kafka);
    if (wrong) result.problems.push(wrong);
  }
  const admin = kafkaClient(options.settings, options.log).admin();
  try {
    const partitions = await within(options.timeoutMs, 'Kafka topic metadata', async () => {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const present = options.topics.filter((t) => existing.has(t));
      const metadata = present.length > 0 ? await admin.fetchTopicMetadata({ topics: present }) : { topics: [] };
      return new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
    });
    const found = options.topics.filter((t) => partitions.has(t));
    const missing = options.topics.filter((t) => !partitions.has(t));
    result.found.push(`topics: ${found.map((t) => `${t} (${partitions.get(t)} partitions)`).join(', ') || 'none of the configured ones'}`);
    if (missing.length > 0) {
      const line = `missing topics: ${missing.join(', ')}`;
      if (options.createPartitions > 0) result.found.push(`${line} (ztna run creates them, ${options.createPartitions} partitions each)`);
      else result.problems.push(`${line}; ZTNA_KAFKA_CREATE_PARTITIONS=0, so create them before ztna run`);
    }
  } catch (err) {
    result.problems.push(`the brokers answered, but listing the topics failed: ${kafkaSetupFailure(err) ?? (err as Error).message}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return result;
}

/** The version of the first broker of the list that answers; a problem naming each that does not. */
async function firstBrokerVersion(options: KafkaCheckOptions, result: CheckResult): Promise<BrokerVersion | undefined> {
  const failures: string[] = [];
  for (const broker of options.settings.brokers) {
    try {
      return await within(options.timeoutMs, broker, (signal) => brokerVersion(broker, options.tls, signal));
    } catch (err) {
      failures.push(kafkaSetupFailure(err) ?? `${broker}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  result.problems.push(`cannot reach any Kafka broker of KAFKA_BROKERS (${failures.join('; ')})`);
  return undefined;
}

export async function checkStore(store: Store, layout: StoreLayout, timeoutMs: number): Promise<CheckResult> {
  const result: CheckResult = { name: `ClickHouse (${store.engine} at ${store.location})`, found: [], problems: [] };
  try {
    const [row] = await within(timeoutMs, 'ClickHouse', () => store.query<{ version: string }>(namedQuery('server_version')));
    const version = row!.version;
    result.found.push(versionLine(version, SUPPORT.clickhouse));
    const wrong = outOfRange(version, SUPPORT.clickhouse);
    if (wrong) result.problems.push(wrong);
  } catch (err) {
    result.problems.push(`cannot query ClickHouse: ${(err as Error).message}`);
    return result;
  }
  // The configured layout's migrations: the cluster layout's text, and so its checksums, differ.
  const available = layoutDdl(layout).migrations;
  const applied = await within(timeoutMs, 'ClickHouse', () =>
    store.query<{ version: number; name: string; checksum: string }>(namedQuery('applied_migrations')),
  ).catch((err: unknown) => {
    // 60: UNKNOWN_TABLE, a store no migration ever ran on.
    if (err instanceof StoreError && err.clickhouseCode === 60) return [];
    result.problems.push(`cannot read the applied migrations: ${(err as Error).message}`);
    return undefined;
  });
  if (!applied) return result;
  const byVersion = new Map(applied.map((m) => [Number(m.version), m]));
  const pending = available.filter((m) => !byVersion.has(m.version));
  const changed = available.filter((m) => {
    const done = byVersion.get(m.version);
    return done && done.checksum !== migrationChecksum(m.sql);
  });
  result.found.push(
    `migrations: ${applied.length} of ${available.length} applied` +
      (pending.length > 0 ? `; ${pending.length} pending from ${pending[0]!.name} (ztna run or ztna migrate applies them)` : ''),
  );
  for (const m of changed) result.problems.push(`migration ${m.name} was changed after it was applied`);
  const unknown = applied.filter((m) => !available.some((a) => a.version === Number(m.version)));
  for (const m of unknown)
    result.problems.push(`migration ${m.name} is applied but this version does not have it (a newer ztna wrote this store)`);
  return result;
}

export async function checkPrometheus(url: string, timeoutMs: number): Promise<CheckResult> {
  const result: CheckResult = { name: `Prometheus (${url})`, found: [], problems: [] };
  try {
    const info = await within(timeoutMs, 'Prometheus', async (signal) => {
      const response = await fetch(new URL('api/v1/status/buildinfo', url.endsWith('/') ? url : `${url}/`), { signal });
      if (!response.ok) throw new Error(`HTTP ${response.status} from /api/v1/status/buildinfo`);
      return (await response.json()) as { data: { version: string } };
    });
    result.found.push(versionLine(info.data.version, SUPPORT.prometheus));
    const wrong = outOfRange(info.data.version, SUPPORT.prometheus);
    if (wrong) result.problems.push(wrong);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    result.problems.push(`cannot reach Prometheus: ${cause ?? (err as Error).message}`);
  }
  return result;
}
