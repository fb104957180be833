// npm run bench:replicas [-- --events N --partitions P --keyed-partitions K --rounds R --rate E --seconds S]
// Replicas with keyed scoring (issue 14), on a real Kafka broker and one ClickHouse store shared by
// every replica (the HTTP stand-in, chDB behind it, in a process of its own):
//   throughput: N simulated events (default 100,000) on P source partitions (default 6); per round,
//     alternately, one replica without the keyed hop (the peer: what users run on one machine)
//     and one, two and three replicas with it, each with a fresh group, keyed topic and store;
//     timed from the first process started to every source and keyed offset committed;
//   latency: one keyed replica fed E events/s (default 200) for S seconds (default 30), paced as
//     traffic arrives; the keyed hop's time from produced (after the store insert) to scored, its
//     p50 / p99 from the replica's ztna_keyed_hop_seconds histogram, as Prometheus would read it.
// Every process shares this machine's cores: on two cores more replicas do not add CPU, so the
// figures show the repartition hop's overhead, not a speed-up. Rounds as min / median / max,
// then one JSON line.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startKafkaBroker } from '../test/support/services/kafka.js';
import { startClickHouseHttp } from '../test/support/services/clickhouseHttp.js';
import { tempDir, type RunningCli } from '../test/support/helpers.js';
import { connectClients, progress, startConsumer, stopGracefully, uniqueTopics, type TestTopics } from '../test/support/kafkaConsumer.js';
import { TrafficSimulator } from '../src/simulate/traffic.js';
import { METRIC_NAMES } from '../src/conventions.js';
import { waitFor } from '../test/support/wait.js';
import { produceSimulated } from './support/produceSimulated.js';
import { formatSpread, printFigures, spread } from './support/figures.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    partitions: { type: 'string', default: '6' },
    'keyed-partitions': { type: 'string', default: '12' },
    rounds: { type: 'string', default: '3' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '30' },
  },
});
const events = Number(values.events);
const partitions = Number(values.partitions);
const keyedPartitions = Number(values['keyed-partitions']);
const rounds = Number(values.rounds);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const USER = 'ztna';
const PASSWORD = `bench-${randomUUID()}`;

/** The runs of a round: how many replicas, and whether they score on the keyed topic. */
const SETUPS = [
  { name: '1 replica, no keyed hop', replicas: 1, keyed: false },
  { name: '1 replica, keyed', replicas: 1, keyed: true },
  { name: '2 replicas, keyed', replicas: 2, keyed: true },
  { name: '3 replicas, keyed', replicas: 3, keyed: true },
] as const;

const broker = await startKafkaBroker();
const clients = await connectClients(broker.brokers);
try {
  const topics = uniqueTopics();
  const sourceTopics = [topics.auth, topics.policy, topics.posture, topics.token];
  await clients.admin.createTopics({
    waitForLeaders: true,
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: partitions })),
  });
  produceSimulated(broker.brokers, topics, events);
  let total = 0;
  for (const topic of sourceTopics) for (const p of await clients.admin.fetchTopicOffsets(topic)) total += Number(p.high);

  /** `replicas` processes of one group on one fresh store; stops them when `body` is done. */
  async function withReplicas<T>(
    runTopics: TestTopics,
    count: number,
    keyed: boolean,
    body: (replicas: RunningCli[], group: string, keyedTopic: string, spawnedAt: number) => Promise<T>,
  ): Promise<T> {
    const id = randomUUID().slice(0, 8);
    const group = `bench-replicas-${id}`;
    const keyedTopic = `${runTopics.auth}.${id}.keyed`;
    const storeDir = tempDir('bench-replicas-store');
    const store = await startClickHouseHttp({ dataDir: storeDir, user: USER, password: PASSWORD });
    const dirs: string[] = [];
    const spawnedAt = performance.now();
    const replicas = Array.from({ length: count }, () => {
      const dir = tempDir('bench-replica');
      dirs.push(dir);
      return startConsumer(broker.brokers, runTopics, dir, group, {
        CLICKHOUSE_URL: store.url,
        CLICKHOUSE_USER: USER,
        CLICKHOUSE_PASSWORD: PASSWORD,
        ZTNA_KEYED_SCORING: String(keyed),
        ZTNA_TOPIC_KEYED: keyedTopic,
        ZTNA_TOPIC_CONTROL: `${runTopics.auth}.${id}.control`,
        ZTNA_KEYED_PARTITIONS: String(keyedPartitions),
        ZTNA_KAFKA_CREATE_PARTITIONS: String(partitions),
        // The service's own session timeout: the helper's 6 s is for tests that kill replicas.
        ZTNA_KAFKA_SESSION_TIMEOUT_MS: '30000',
      });
    });
    try {
      return await body(replicas, group, keyedTopic, spawnedAt);
    } finally {
      for (const r of replicas) await stopGracefully(r).catch((err: unknown) => console.error(`a replica: ${(err as Error).message}`));
      await store.stop();
      for (const dir of [storeDir, ...dirs]) rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Until every offset of `runTopics`' sources, and with keyed scoring of the keyed topic, is committed. */
  async function caughtUp(
    runTopics: TestTopics,
    replicas: RunningCli[],
    group: string,
    keyedTopic: string | undefined,
    timeoutMs = 30 * 60_000,
  ) {
    const sources = [runTopics.auth, runTopics.policy, runTopics.posture, runTopics.token];
    const committed = async (g: string, t: string[]) => {
      const p = await progress(clients.admin, g, t);
      return p !== undefined && p.end > 0 && p.committed === p.end;
    };
    await waitFor(
      `group ${group} to catch up`,
      async () => {
        for (const r of replicas) if (r.child.exitCode !== null) throw new Error(`a replica exited: ${r.stderr()}`);
        return (await committed(group, sources)) && (!keyedTopic || (await committed(`${group}.keyed`, [keyedTopic])));
      },
      timeoutMs,
      100,
    );
  }

  async function throughput(setup: (typeof SETUPS)[number]): Promise<number> {
    return withReplicas(topics, setup.replicas, setup.keyed, async (replicas, group, keyedTopic, spawnedAt) => {
      await caughtUp(topics, replicas, group, setup.keyed ? keyedTopic : undefined);
      return total / ((performance.now() - spawnedAt) / 1000);
    });
  }

  /** One keyed replica fed `rate` events/s of current traffic; the keyed hop's p50 and p99 in ms. */
  async function hopLatency(): Promise<{ p50: number; p99: number; messages: number }> {
    const paced = uniqueTopics();
    await clients.admin.createTopics({
      waitForLeaders: true,
      topics: Object.values(paced).map((topic) => ({ topic, numPartitions: partitions })),
    });
    return withReplicas(paced, 1, true, async ([replica], group, keyedTopic) => {
      await waitFor('the replica consuming', async () => replica!.stdout().includes('ztna: consuming') || undefined, 120_000);
      const sim = new TrafficSimulator({ seed: 2, start: Date.now() });
      const tick = 100;
      for (let t = 0; t < (seconds * 1000) / tick; t++) {
        const next = performance.now() + tick;
        const byTopic = new Map<string, Array<{ key: string; value: string }>>();
        for (let i = 0; i < (rate * tick) / 1000; i++) {
          const r = sim.next();
          const topic = paced[r.topicKind];
          byTopic.set(topic, [...(byTopic.get(topic) ?? []), { key: randomUUID(), value: r.line }]);
        }
        await clients.producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
      }
      await caughtUp(paced, [replica!], group, keyedTopic, 5 * 60_000);
      const http = /HTTP on (\S+):/.exec(replica!.stdout())![1]!;
      return hopQuantiles(await (await fetch(`${http}/metrics`)).text());
    });
  }

  const rates: number[][] = SETUPS.map(() => []);
  const p50s: number[] = [];
  const p99s: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const [i, setup] of SETUPS.entries()) {
      rates[i]!.push(await throughput(setup));
      console.error(`round ${round + 1}: ${setup.name} ${rates[i]!.at(-1)!.toFixed(0)} events/s`);
    }
    const hop = await hopLatency();
    p50s.push(hop.p50);
    p99s.push(hop.p99);
    console.error(
      `round ${round + 1}/${rounds}: ${SETUPS.map((s, i) => `${s.name} ${rates[i]!.at(-1)!.toFixed(0)}`).join(', ')} events/s; keyed hop p50 ${hop.p50.toFixed(0)} ms, p99 ${hop.p99.toFixed(0)} ms over ${hop.messages} messages`,
    );
  }

  const spreads = rates.map(spread);
  const overhead = spread(rates[1]!.map((keyed, i) => keyed / rates[0]![i]!));
  const [p50, p99] = [spread(p50s), spread(p99s)];
  const row = (k: string, v: string) => console.log(`| ${k.padEnd(56)} | ${v.padEnd(30)} |`);
  console.log(
    `\nbench:replicas — ${total.toLocaleString('en')} simulated events, ${partitions} source partitions, ${keyedPartitions} keyed partitions, real Kafka broker (KRaft), one shared ClickHouse stand-in, ${rounds} alternating rounds (min / median / max)\n`,
  );
  row('what', 'value');
  console.log(`|${'-'.repeat(58)}|${'-'.repeat(32)}|`);
  for (const [i, setup] of SETUPS.entries()) row(`${setup.name}, events/s`, formatSpread(spreads[i]!));
  row('1 replica keyed / no keyed hop (round by round)', formatSpread(overhead, 3));
  row(`keyed hop p50 at ${rate} events/s, ms`, formatSpread(p50));
  row(`keyed hop p99 at ${rate} events/s, ms`, formatSpread(p99));
  console.log('');
  printFigures({
    bench: 'replicas',
    events: total,
    partitions,
    keyed_partitions: keyedPartitions,
    rounds,
    events_per_s_no_keyed_hop: Math.round(spreads[0]!.median),
    events_per_s_1_replica: Math.round(spreads[1]!.median),
    events_per_s_2_replicas: Math.round(spreads[2]!.median),
    events_per_s_3_replicas: Math.round(spreads[3]!.median),
    keyed_ratio_1_replica: Number(overhead.median.toFixed(3)),
    keyed_hop_p50_ms: Math.round(p50.median),
    keyed_hop_p99_ms: Math.round(p99.median),
    paced_events_per_s: rate,
  });
} finally {
  await clients.disconnect();
  await broker.stop();
}

/** p50 and p99 of the keyed hop histogram in ms, interpolated within buckets as histogram_quantile does. */
function hopQuantiles(metrics: string): { p50: number; p99: number; messages: number } {
  const buckets = [...metrics.matchAll(new RegExp(`^${METRIC_NAMES.keyedHopSeconds}_bucket\\{le="([^"]+)"\\} (\\S+)`, 'gm'))].map((m) => ({
    le: m[1] === '+Inf' ? Infinity : Number(m[1]),
    count: Number(m[2]),
  }));
  const count = buckets.at(-1)?.count ?? 0;
  if (count === 0) throw new Error('the keyed hop histogram is empty');
  const quantile = (q: number) => {
    const rank = q * count;
    const i = buckets.findIndex((b) => b.count >= rank);
    const upper = buckets[i]!;
    if (upper.le === Infinity) return buckets[i - 1]!.le * 1000;
    const [lowerLe, lowerCount] = i === 0 ? [0, 0] : [buckets[i - 1]!.le, buckets[i - 1]!.count];
    return (lowerLe + ((upper.le - lowerLe) * (rank - lowerCount)) / (upper.count - lowerCount)) * 1000;
  };
  return { p50: quantile(0.5), p99: quantile(0.99), messages: count };
}
