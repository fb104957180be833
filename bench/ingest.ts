// npm run bench:ingest [-- --events N --partitions P --rounds R]
// N simulated events (default 1,000,000) on a real Kafka broker, P partitions per topic (default 12),
// then, alternately for R rounds (default 3), with a fresh consumer group and data directory each:
//   ours: `ztna run` (Kafka → normalize → chDB, SLIs and scorers on), start → every offset committed;
//   peer: ClickHouse's own Kafka table engine in chDB (bench/peers/kafkaEngine.mjs), start → every row stored.
// Prints events/s (whole process, and once started) and peak RSS as min / median / max, the ratios
// ours/peer, and last one JSON line.
// `--cpu-prof DIR` writes a V8 CPU profile of each `ztna run` into DIR (open it in Chrome DevTools).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startKafkaBroker } from '../test/support/services/kafka.js';
import { ROOT, tempDir } from '../test/support/helpers.js';
import { progress, startConsumer, stopGracefully, testKafka, uniqueTopics } from '../test/support/kafkaConsumer.js';
import { waitFor } from '../test/support/wait.js';
import { produceSimulated } from './support/produceSimulated.js';
import { formatSpread, printFigures, spread, watchProcess } from './support/figures.js';

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
  /** From process start to every event stored (and, ours, committed). */
  eventsPerSecond: number;
  /** From the first events stored to the last: the rate once started. */
  steadyEventsPerSecond: number;
  peakRssMiB: number;
  /** CPU time per event, every thread of the process, start-up included. */
  cpuMicrosPerEvent: number;
}

/** Events per second from the first events stored (`first.done` of `total`, at `first.at`) to the last, at `end`. */
function steadyRate(total: number, first: { at: number; done: number } | undefined, end: number): number {
  if (!first || end <= first.at) return NaN;
  return (total - first.done) / ((end - first.at) / 1000);
}

const broker = await startKafkaBroker();
try {
  const topics = uniqueTopics();
  const eventTopics = [topics.auth, topics.policy, topics.posture, topics.token];
  const kafka = testKafka(broker.brokers);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: Object.values(topics).map((topic) => ({ topic, numPartitions: partitions })) });
  produceSimulated(broker.brokers, topics, events);
  const total = (await progress(admin, `none-${topics.auth}`, eventTopics))!.end;

  async function ours(round: number): Promise<Round> {
    const group = `bench-ours-${round}-${topics.auth}`;
    const started = performance.now();
    const profile = values['cpu-prof'] ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${values['cpu-prof']}` } : {};
    const consumer = startConsumer(broker.brokers, topics, tempDir('bench-ours'), group, profile);
    const watched = watchProcess(consumer.child.pid!);
    // The first commit marks the end of start-up (process, migrations, group join, first batch).
    let first: { at: number; done: number } | undefined;
    const done = await waitFor(
      `group ${group} to catch up`,
      async () => {
        if (consumer.child.exitCode !== null) throw new Error(`consumer exited early: ${consumer.stderr()}`);
        const p = await progress(admin, group, eventTopics);
        if (p && p.committed > 0 && !first) first = { at: performance.now(), done: p.committed };
        return p !== undefined && p.committed === p.end && performance.now();
      },
      30 * 60_000,
      100,
    );
    const { peakRssMiB, cpuSeconds } = watched();
    await stopGracefully(consumer);
    return {
      eventsPerSecond: total / ((done - started) / 1000),
      steadyEventsPerSecond: steadyRate(total, first, done),
      peakRssMiB,
      cpuMicrosPerEvent: (cpuSeconds * 1e6) / total,
    };
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
    const watched = watchProcess(child.pid!);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const done = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', () => out.includes('\n') && resolve(performance.now()));
      child.on('exit', (code) => (code === 0 ? resolve(performance.now()) : reject(new Error(`peer exited with ${code}`))));
    });
    const { peakRssMiB, cpuSeconds } = watched();
    await new Promise((resolve) => (child.exitCode === null ? child.on('exit', resolve) : resolve(undefined)));
    const report = JSON.parse(out) as { seconds: number; firstRowsSeconds: number; firstRows: number };
    const steady = (total - report.firstRows) / (report.seconds - report.firstRowsSeconds);
    return {
      eventsPerSecond: total / ((done - started) / 1000),
      steadyEventsPerSecond: steady,
      peakRssMiB,
      cpuMicrosPerEvent: (cpuSeconds * 1e6) / total,
    };
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
  const oursSteady = spread(results.ours.map((r) => r.steadyEventsPerSecond));
  const peerSteady = spread(results.peer.map((r) => r.steadyEventsPerSecond));
  const steadyRatios = spread(results.ours.map((r, i) => r.steadyEventsPerSecond / results.peer[i]!.steadyEventsPerSecond));
  const oursCpu = spread(results.ours.map((r) => r.cpuMicrosPerEvent));
  const peerCpu = spread(results.peer.map((r) => r.cpuMicrosPerEvent));
  const cpuRatios = spread(results.ours.map((r, i) => r.cpuMicrosPerEvent / results.peer[i]!.cpuMicrosPerEvent));
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
  row('ztna run once started (first batch stored → last), events/s', formatSpread(oursSteady));
  row('Kafka engine once started (first rows stored → last), events/s', formatSpread(peerSteady));
  row('ratio once started (round by round)', formatSpread(steadyRatios, 3));
  row('ztna run CPU per event (every thread)', formatSpread(oursCpu, 1, ' µs'));
  row('Kafka engine CPU per event (every thread)', formatSpread(peerCpu, 1, ' µs'));
  row('CPU ratio ours / engine (round by round)', formatSpread(cpuRatios, 2));
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
    steady_events_per_s: Math.round(oursSteady.median),
    engine_steady_events_per_s: Math.round(peerSteady.median),
    steady_ratio_vs_kafka_engine: Number((oursSteady.median / peerSteady.median).toFixed(3)),
    cpu_us_per_event: Number(oursCpu.median.toFixed(1)),
    engine_cpu_us_per_event: Number(peerCpu.median.toFixed(1)),
    peak_rss_mib: Math.round(oursRss.max),
    engine_peak_rss_mib: Math.round(peerRss.max),
  });
} finally {
  await broker.stop();
}
