// Replicas on the real broker (issue 14): three `ztna run` processes share the source topics and
// one ClickHouse store; records are keyed at random, as real emitters key them, so one token's
// issue and its replay, or one principal's failed logins, arrive at different replicas. The
// keyed repartition brings each key's events to one replica. One replica is killed with SIGKILL
// mid-stream and a fourth joins later. Afterwards: each valid event stored once, every injected
// incident detected, no anomaly twice, and one replica alone finds the same anomalies.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { TrafficSimulator, type SimulatedRecord } from '../../src/simulate/traffic.js';
import { parseScenarios, type ScenarioLabel } from '../../src/simulate/scenarios.js';
import { evaluate } from '../../src/detect/evaluate.js';
import type { Anomaly } from '../../src/detect/anomaly.js';
import { ClickHouseServerStore, type Store } from '../../src/store/index.js';
import { tempDir, type RunningCli } from '../support/helpers.js';
import {
  connectClients,
  metricValue,
  progress,
  startConsumer,
  stopGracefully,
  uniqueTopics,
  type TestClients,
  type TestTopics,
} from '../support/kafkaConsumer.js';
import { startClickHouseHttp, type ClickHouseHttp } from '../support/services/clickhouseHttp.js';
import { readStore } from '../support/store.js';
import { expectedFromTruth, extraKeys, missingKeys, noKeys, storedEventKeys } from '../support/truth.js';
import { waitFor } from '../support/wait.js';

const brokers = inject('kafkaBrokers');
const USER = 'ztna';
const PASSWORD = 'replicas-test-password';
const SOURCE_PARTITIONS = 4;
const KEYED_PARTITIONS = 8;
/**
 * Simulated events per second, the same at every hour: about 15,000 records over the scenarios'
 * hour. The rate is scaled to 200,000 records (ZTNA_TEST_REPLICA_EVENTS, 0 keeps the calibration
 * size for a quick run), the waits with it: about two to three minutes on a shared two-core machine.
 */
const PEAK_RATE = 5;
const TARGET_RECORDS = Number(process.env.ZTNA_TEST_REPLICA_EVENTS ?? 200_000);

/** The incidents, in the last 80 minutes, so that the rebuild window (event time against the clock) holds them. */
function simulate(start: number, peakRate: number): { records: SimulatedRecord[]; labels: ScenarioLabel[] } {
  const scenarios = parseScenarios('token-replay@5m+12m,brute-force@15m+5m,password-spray@25m+5m,token-replay@35m+12m', start);
  // The window follows the wall clock: without the daily cycle, the traffic is the same at whatever hour the test runs.
  const sim = new TrafficSimulator({ seed: 14, start, peakRate, dailyCycle: false, scenarios, invalidShare: 0.01 });
  const until = Math.max(...scenarios.map((s) => s.end)) + 8 * 60_000;
  const records: SimulatedRecord[] = [];
  while (sim.time < until) records.push(sim.next());
  return { records, labels: sim.labels };
}

const START = Math.floor((Date.now() - 80 * 60_000) / 60_000) * 60_000;
const CALIBRATION = simulate(START, PEAK_RATE);
const { records, labels } = TARGET_RECORDS > 0 ? simulate(START, (PEAK_RATE * TARGET_RECORDS) / CALIBRATION.records.length) : CALIBRATION;
/** How much longer than the default size every wait may take. */
const SCALE = Math.max(1, records.length / CALIBRATION.records.length);

/** Each record on its kind's topic under a random key: the default partitioner spreads them over every partition. */
async function produceRandomKeys(clients: TestClients, topics: TestTopics, records: readonly SimulatedRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += 2000) {
    const byTopic = new Map<string, Array<{ key: string; value: string }>>();
    for (const r of records.slice(i, i + 2000)) {
      const topic = topics[r.topicKind];
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), { key: randomUUID(), value: r.line }]);
    }
    await clients.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }
}

async function waitGroupCaughtUp(
  admin: Admin,
  group: string,
  topics: string[],
  alive: () => RunningCli[],
  timeoutMs = 150_000 * SCALE,
): Promise<void> {
  await waitFor(
    `group ${group} to commit every message of ${topics.join(', ')}`,
    async () => {
      for (const r of alive()) if (r.child.exitCode !== null) throw new Error(`a replica exited: ${r.stderr()}`);
      const p = await progress(admin, group, topics);
      return p !== undefined && p.end > 0 && p.committed === p.end;
    },
    timeoutMs,
    500,
  );
}

interface StoredAnomaly extends Anomaly {
  ms: string;
}

async function storedAnomalies(store: Store): Promise<Anomaly[]> {
  const rows = await store.query<Omit<StoredAnomaly, 'evidence' | 'time'> & { evidence: string }>(
    'SELECT anomaly_id, type, kind, score, severity, tenant, key, toUnixTimestamp64Milli(time) AS ms, evidence FROM anomalies FINAL ORDER BY anomaly_id',
  );
  return rows.map(({ ms, evidence, ...a }) => ({
    ...a,
    time: new Date(Number(ms)).toISOString(),
    evidence: typeof evidence === 'string' ? JSON.parse(evidence) : evidence,
  }));
}

/** Two anomalies for one occurrence: a key's bursts closer than the cooldown, or a credential's same reasons reported twice. */
function duplicates(anomalies: readonly Anomaly[]): string[] {
  const byKey = new Map<string, Anomaly[]>();
  for (const a of anomalies) byKey.set(`${a.type} ${a.tenant} ${a.key}`, [...(byKey.get(`${a.type} ${a.tenant} ${a.key}`) ?? []), a]);
  const found: string[] = [];
  for (const [key, list] of byKey) {
    const sorted = [...list].sort((a, b) => a.time.localeCompare(b.time));
    for (let i = 1; i < sorted.length; i++) {
      const [prev, next] = [sorted[i - 1]!, sorted[i]!];
      const same =
        next.type === 'denial_burst'
          ? Date.parse(next.time) - Date.parse(prev.time) < 10 * 60_000 // a key's bursts are its minutes, 10 apart at least (the cooldown)
          : next.evidence.reasons.join() === prev.evidence.reasons.join();
      if (same) found.push(`${key} at ${prev.time} and ${next.time}`);
    }
  }
  return found;
}

const anomalyIds = (anomalies: readonly Anomaly[]) => anomalies.map((a) => `${a.type} ${a.tenant} ${a.key} ${a.anomaly_id}`).sort();

/**
 * Every anomaly raised, each once: an incident's own and those joined to it. Replicas group
 * incidents apart (a principal's burst and its network's may be held by two), and after a handover
 * one anomaly may be an incident on the replica that raised it and joined to another on the next
 * holder's: the same anomaly (its id), listed twice, raised once.
 */
function raised(incidents: readonly Anomaly[]): Anomaly[] {
  const all = incidents.flatMap((a) => [
    a,
    ...(a.evidence.related ?? []).map((r) => ({ ...a, anomaly_id: r.anomaly_id, type: r.type, kind: r.kind, key: r.key, time: r.time })),
  ]);
  return [...new Map(all.map((a) => [a.anomaly_id, a])).values()];
}

/**
 * The anomalies of one list without their match in the other: a token replay by its id (its key
 * and reasons), a burst by its key and a minute within the cooldown (records spread over
 * partitions arrive in another order, and a minute's count may cross the threshold a minute later).
 */
function unmatched(ours: readonly Anomaly[], theirs: readonly Anomaly[]): string[] {
  const same = (a: Anomaly, b: Anomaly) =>
    a.type === 'token_replay'
      ? a.anomaly_id === b.anomaly_id
      : a.type === b.type && a.tenant === b.tenant && a.key === b.key && Math.abs(Date.parse(a.time) - Date.parse(b.time)) < 10 * 60_000;
  return ours.filter((a) => !theirs.some((b) => same(a, b))).map((a) => `${a.type} ${a.tenant} ${a.key} ${a.time}`);
}

/**
 * Anomalies of narrow keys (a token, a principal, a network, a policy version): one replica holds
 * each key's every event, so they do not depend on how records were spread. A broad key's (an app,
 * a tenant) baseline is its own history, whose minutes arrive in another order when records are
 * spread and a replica rebuilds: its surges may be judged a minute apart, so they are compared apart.
 * So are the allowed-while-non-compliant alarms: they join two topics (a device's posture report and a
 * decision), whose relative order differs between one consumer of both and the keyed route.
 */
const isBroad = (a: Anomaly) => (a.type === 'denial_burst' && /^(app|tenant):/.test(a.key)) || a.type === 'noncompliant_access';

describe('replicas share the partitions and still catch every replayed token and burst', () => {
  const topics = uniqueTopics();
  const keyedTopic = `${topics.auth}.keyed`;
  const controlTopic = `${topics.auth}.control`;
  const sourceTopics = [topics.auth, topics.policy, topics.posture, topics.token];
  const group = `replicas-${randomUUID().slice(0, 8)}`;
  let clients: TestClients;
  let standIn: ClickHouseHttp;
  let store: ClickHouseServerStore;
  const replicas: RunningCli[] = [];
  let killed: RunningCli | undefined;

  const replica = (name: string, env: NodeJS.ProcessEnv = {}) =>
    startConsumer(brokers, topics, tempDir(`replica-${name}`), group, {
      CLICKHOUSE_URL: standIn.url,
      CLICKHOUSE_USER: USER,
      CLICKHOUSE_PASSWORD: PASSWORD,
      ZTNA_KEYED_SCORING: 'true',
      ZTNA_TOPIC_KEYED: keyedTopic,
      ZTNA_TOPIC_CONTROL: controlTopic,
      ZTNA_KEYED_PARTITIONS: String(KEYED_PARTITIONS),
      ZTNA_KEYED_REBUILD_MINUTES: '180',
      ZTNA_KAFKA_CREATE_PARTITIONS: String(SOURCE_PARTITIONS),
      ZTNA_PREPARE_WORKERS: '0',
      ZTNA_BATCH_MAX_RECORDS: '2000',
      ...env,
    });
  const started = (r: RunningCli) =>
    waitFor('a replica consuming', async () => r.stdout().includes('ztna: consuming') || undefined, 90_000);

  beforeAll(async () => {
    clients = await connectClients(brokers);
    await clients.admin.createTopics({
      waitForLeaders: true,
      topics: sourceTopics.map((topic) => ({ topic, numPartitions: SOURCE_PARTITIONS })),
    });
    standIn = await startClickHouseHttp({ dataDir: tempDir('replicas-clickhouse'), user: USER, password: PASSWORD });
    store = new ClickHouseServerStore({ url: standIn.url, username: USER, password: PASSWORD });

    const third = Math.floor(records.length / 3);
    for (const name of ['a', 'b', 'c']) replicas.push(replica(name));
    await Promise.all(replicas.map(started));
    await produceRandomKeys(clients, topics, records.slice(0, third));
    // Mid-stream: some of the first third committed, the rest in flight when a replica dies.
    await waitFor(
      'the first records committed',
      async () => ((await progress(clients.admin, group, sourceTopics))?.committed ?? 0) > third / 4,
    );
    killed = replicas.shift()!;
    killed.child.kill('SIGKILL');
    await killed.exited;
    await produceRandomKeys(clients, topics, records.slice(third, 2 * third));
    const late = replica('d');
    replicas.push(late);
    await started(late);
    await produceRandomKeys(clients, topics, records.slice(2 * third));
    await waitGroupCaughtUp(clients.admin, group, sourceTopics, () => replicas);
    await waitGroupCaughtUp(clients.admin, `${group}.keyed`, [keyedTopic], () => replicas);
  }, 240_000 * SCALE);

  afterAll(async () => {
    for (const r of replicas) if (r.child.exitCode === null) await stopGracefully(r).catch(() => undefined);
    await store?.close();
    await standIn?.stop();
    await clients?.disconnect();
  });

  it('spreads every source topic over all its partitions, and the keyed topic over its own', async () => {
    for (const topic of sourceTopics) {
      const offsets = await clients.admin.fetchTopicOffsets(topic);
      expect(offsets).toHaveLength(SOURCE_PARTITIONS);
      expect(
        offsets.every((p) => Number(p.high) > 0),
        topic,
      ).toBe(true);
    }
    const keyed = await clients.admin.fetchTopicOffsets(keyedTopic);
    expect(keyed).toHaveLength(KEYED_PARTITIONS);
    expect(keyed.every((p) => Number(p.high) > 0)).toBe(true);
  });

  it('rebuilt the state of the keyed partitions each replica gained, from the store, and is ready on it', async () => {
    expect(replicas).toHaveLength(3);
    for (const r of replicas) {
      expect(r.stderr()).not.toMatch(/state not rebuilt/);
      const http = /HTTP on (\S+):/.exec(r.stdout())![1]!;
      expect(await metricValue(http, 'ztna_scorer_state_rebuild_seconds_count')).toBeGreaterThanOrEqual(1);
      // /readyz checks the keyed consumer too (joining, rebuilding, partitions left cold): ready once caught up.
      await waitFor('the replica ready', async () => (await fetch(`${http}/readyz`)).status === 200, 30_000, 500);
      const metrics = await (await fetch(`${http}/metrics`)).text();
      console.log(
        `rebuilds: ${/^ztna_scorer_state_rebuild_seconds_count (\S+)/m.exec(metrics)?.[1]}, ${/^ztna_scorer_state_rebuild_seconds_sum (\S+)/m.exec(metrics)?.[1]} s in all`,
      );
    }
  });

  it('stores every valid event exactly once', async () => {
    const expected = expectedFromTruth(records);
    const stored = await storedEventKeys(store);
    // The simulator's diurnal rate sets how many (its window ends now): enough to spread over every partition.
    expect(Object.values(expected.events).flat().length).toBeGreaterThan(5_000);
    expect(missingKeys(stored, expected.events)).toEqual(noKeys());
    expect(extraKeys(stored, expected.events)).toEqual(noKeys());
  });

  it('detects every injected incident (recall 1.0) and raises no anomaly twice', async () => {
    const anomalies = await storedAnomalies(store);
    const evaluation = evaluate(labels, anomalies, 0);
    expect(evaluation.scenarios.map((s) => s.scenario)).toEqual(['token-replay', 'brute-force', 'password-spray', 'token-replay']);
    for (const s of evaluation.scenarios)
      expect(s.detected, `${s.scenario} at ${s.start}: ${JSON.stringify(anomalies.map((a) => [a.key, a.time]))}`).toBe(true);
    // Both tokens of each replay: the one used from elsewhere and after revocation, and the one used after expiry.
    const replayed = labels.filter((l) => l.scenario === 'token-replay').flatMap((l) => l.keys.token_id as string[]);
    expect(replayed).toHaveLength(4);
    // A principal's two replayed tokens are one incident: the second is the first's related anomaly.
    for (const id of replayed)
      expect(
        anomalies.some((a) => a.key === `token:${id}` || a.evidence.related?.some((r) => r.key === `token:${id}`)),
        id,
      ).toBe(true);
    expect(duplicates(anomalies)).toEqual([]);
    // Nor a burst joined to an incident on one replica raised again by the replica its key moved to.
    expect(duplicates(raised(anomalies).filter((a) => a.type === 'denial_burst'))).toEqual([]);
  });

  it(
    'finds the same anomalies as one replica alone on the same records',
    async () => {
      const multi = await storedAnomalies(store);
      const dataDir = tempDir('replicas-single');
      const single = startConsumer(brokers, topics, dataDir, `${group}-single`, {
        ZTNA_TOPIC_KEYED: `${keyedTopic}.single`,
        ZTNA_TOPIC_ANOMALIES: `${topics.anomalies}.single`,
        ZTNA_TOPIC_CONTROL: controlTopic,
        ZTNA_KEYED_PARTITIONS: String(KEYED_PARTITIONS),
        ZTNA_PREPARE_WORKERS: '0',
        ZTNA_BATCH_MAX_RECORDS: '2000',
      });
      try {
        // One replica as users run one: scoring what it consumes, no keyed hop.
        await waitGroupCaughtUp(clients.admin, `${group}-single`, sourceTopics, () => [single]);
      } finally {
        await stopGracefully(single);
      }
      const alone = await readStore(dataDir, storedAnomalies);
      const [narrowMulti, narrowAlone] = [raised(multi).filter((a) => !isBroad(a)), raised(alone).filter((a) => !isBroad(a))];
      expect(narrowAlone.length).toBeGreaterThanOrEqual(7); // the four replayed tokens, the brute force's principal and network, the spray's network
      expect(unmatched(narrowMulti, narrowAlone)).toEqual([]);
      expect(unmatched(narrowAlone, narrowMulti)).toEqual([]);
      // As lines, so that a failure shows which: a key raised twice matches the other side and differs only in count.
      const lines = (anomalies: readonly Anomaly[]) => anomalies.map((a) => `${a.type} ${a.kind} ${a.tenant} ${a.key} ${a.time}`).sort();
      expect(lines(narrowMulti)).toHaveLength(narrowAlone.length);
      const sameIds = anomalyIds(narrowMulti).filter((id) => anomalyIds(narrowAlone).includes(id)).length;
      const [broadMulti, broadAlone] = [raised(multi).filter(isBroad), raised(alone).filter(isBroad)];
      console.log(
        `narrow keys: ${narrowMulti.length} anomalies each, ${sameIds} with the same id; broad-key surges: ${broadMulti.length} across replicas, ${broadAlone.length} on one, ${unmatched(broadMulti, broadAlone).length} without a match`,
      );
    },
    200_000 * SCALE,
  );
});
