// npm run bench:ingest [-- --events N --partitions P --rounds R]
// N simulated events (default 1,000,000) on a real Kafka broker, P partitions per topic (default 12),
// then, alternately for R rounds (default 3), with a fresh consumer group and data directory each:
//   ours: `ztna run` (Kafka → normalize → chDB, SLIs and scorers on), start → every offset committed;
//   peer: ClickHouse's own Kafka table engine in chDB (bench/peers/kafkaEngine.mjs), start → every row stored.
// Prints events/s and peak RSS as min / median / max, the ratio ours/peer, and last one JSON line.
// `--cpu-prof DIR` writes a V8 CPU profile of each `ztna run` into DIR (open it in Chrome DevTools).
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startKafkaBroker } from '../test/support/services/kafka.js';
import { CLI, ROOT, tempDir } from '../test/support/helpers.js';
import { progress, startConsumer, stopGracefully, testKafka, uniqueTopics, waitCaughtUp } from '../test/support/kafkaConsumer.js';
import { formatSpread, printFigures, spread, watchPeakRss } from './support/figures.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    partitions: { type: 'string', default: '12' },
    rounds: { type: 'string', default: '3' },
    'cpu-prof': { type: 'string' },
  },
});
const events = Number(values.events);
const partitions = Number(values.partitions);
const rounds = Number(values.rounds);

interface Round {
  eventsPerSecond: number;
  peakRssMiB: number;
}

const broker = await startKafkaBroker();
try {
  const topics = uniqueTopics();
  const eventTopics = [topics.auth, topics.policy, topics.posture, topics.token];
  const kafka = testKafka(broker.brokers);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: Object.values(topics).map((topic) => ({ topic, numPartitions: partitions })) });
  const produced = spawnSync(
    process.execPath,
    [CLI, 'simulate', '--to', 'kafka', '--events', String(events), '--seed', '1', '--start', '2026-11-20T00:00:00Z'],
    {
      env: {
        ...process.env,
        KAFKA_BROKERS: broker.brokers,
        ZTNA_TOPIC_AUTH: topics.auth,
        ZTNA_TOPIC_POLICY: topics.policy,
        ZTNA_TOPIC_POSTURE: topics.posture,
        ZTNA_TOPIC_TOKEN: topics.token,
        ZTNA_KAFKA_CREATE_PARTITIONS: '0',
        LOG_LEVEL: 'warn',
      },
      encoding: 'utf8',
    },
  );
  if (produced.status !== 0) throw new Error(`simulate failed: ${produced.stderr}`);
  const total = (await progress(admin, `none-${topics.auth}`, eventTopics))!.end;

  async function ours(round: number): Promise<Round> {
    const group = `bench-ours-${round}-${topics.auth}`;
    const started = performance.now();
    const profile = values['cpu-prof'] ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${values['cpu-prof']}` } : {};
    const consumer = startConsumer(broker.brokers, topics, tempDir('bench-ours'), group, profile);
    const peak = watchPeakRss(consumer.child.pid!);
    await waitCaughtUp(admin, group, eventTopics, consumer, 30 * 60_000);
    const seconds = (performance.now() - started) / 1000;
    const peakRssMiB = peak();
    await stopGracefully(consumer);
    return { eventsPerSecond: total / seconds, peakRssMiB };
  }

  async function peer(round: number): Promise<Round> {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bench', 'peers', 'kafkaEngine.mjs'),
        broker.brokers,
        `bench-peer-${round}-${topics.auth}`,
        tempDir('bench-peer'),
        String(total),
        ...eventTopics,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const peak = watchPeakRss(child.pid!);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const done = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', () => out.includes('\n') && resolve(performance.now()));
      child.on('exit', (code) => (code === 0 ? resolve(performance.now()) : reject(new Error(`peer exited with ${code}`))));
    });
    const peakRssMiB = peak();
    await new Promise((resolve) => (child.exitCode === null ? child.on('exit', resolve) : resolve(undefined)));
    return { eventsPerSecond: total / ((done - started) / 1000), peakRssMiB };
  }

  const results: { ours: Round[]; peer: Round[] } = { ours: [], peer: [] };
  for (let round = 0; round < rounds; round++) {
    results.ours.push(await ours(round));
    results.peer.push(await peer(round));
    console.error(
      `round ${round + 1}/${rounds}: ours ${results.ours.at(-1)!.eventsPerSecond.toFixed(0)} events/s, peer ${results.peer.at(-1)!.eventsPerSecond.toFixed(0)} events/s`,
    );
  }
  await admin.disconnect();

  const oursRate = spread(results.ours.map((r) => r.eventsPerSecond));
  const peerRate = spread(results.peer.map((r) => r.eventsPerSecond));
  const ratios = spread(results.ours.map((r, i) => r.eventsPerSecond / results.peer[i]!.eventsPerSecond));
  const oursRss = spread(results.ours.map((r) => r.peakRssMiB));
  const peerRss = spread(results.peer.map((r) => r.peakRssMiB));
  const row = (k: string, v: string) => console.log(`| ${k.padEnd(62)} | ${v.padEnd(30)} |`);
  console.log(
    `\nbench:ingest — ${total.toLocaleString('en')} simulated events, ${partitions} partitions per topic, real Kafka broker (KRaft), ${rounds} alternating rounds (min / median / max)\n`,
  );
  row('what', 'value');
  console.log(`|${'-'.repeat(64)}|${'-'.repeat(32)}|`);
  row('ztna run (normalize → chDB, SLIs and scorers on), events/s', formatSpread(oursRate));
  row('ClickHouse Kafka engine in chDB (raw JSON → MergeTree), events/s', formatSpread(peerRate));
  row('ratio ours / engine (round by round)', formatSpread(ratios, 3));
  row('ztna run peak RSS', formatSpread(oursRss, 0, ' MiB'));
  row('Kafka engine peak RSS', formatSpread(peerRss, 0, ' MiB'));
  console.log('');
  printFigures({
    bench: 'ingest',
    events: total,
    partitions,
    rounds,
    events_per_s: Math.round(oursRate.median),
    engine_events_per_s: Math.round(peerRate.median),
    ratio_vs_kafka_engine: Number((oursRate.median / peerRate.median).toFixed(3)),
    peak_rss_mib: Math.round(oursRss.max),
    engine_peak_rss_mib: Math.round(peerRss.max),
  });
} finally {
  await broker.stop();
}
