// npm run bench:freshness [-- --rate R --seconds S --rounds N]
// How soon an event is seen, at a steady R events/s (default 2,000) for S seconds (default 60) on a
// real Kafka broker, alternately for N rounds (default 3), each with a fresh topic and data directory:
//   ours: `ztna run`; event → row visible through GET /api/v1/trails, and event → counted in /metrics
//         (ztna_events_total), each watched every 50 ms;
//   peer: ClickHouse's Kafka table engine in chDB, event → row visible, watched every 50 ms from inside.
// An event's latency is when a look first sees it minus when it was sent (both on this machine's
// clock). Prints p50 / p95 / p99 per round as min / median / max, and last one JSON line.
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { quantile } from 'simple-statistics';
import { startKafkaBroker } from '../test/support/services/kafka.js';
import { ROOT, tempDir } from '../test/support/helpers.js';
import { startConsumer, stopGracefully, testKafka, uniqueTopics, type TestTopics } from '../test/support/kafkaConsumer.js';
import { waitFor } from '../test/support/wait.js';
import { formatSpread, printFigures, spread } from './support/figures.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '60' },
    rounds: { type: 'string', default: '3' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const total = rate * seconds;
const TICK_MS = 50;
const API_KEY = 'bench-freshness-key-0123456789';

interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

const percentiles = (latencies: number[]): Percentiles => ({
  p50: quantile(latencies, 0.5),
  p95: quantile(latencies, 0.95),
  p99: quantile(latencies, 0.99),
});

const broker = await startKafkaBroker();
const kafka = testKafka(broker.brokers);
const admin = kafka.admin();
const producer = kafka.producer();
await Promise.all([admin.connect(), producer.connect()]);

/** Sends `total` native auth events at `rate`, in ticks; resolves with each one's send time (index = emitter_seq - 1). */
async function produceSteadily(topic: string): Promise<number[]> {
  const sentAt: number[] = [];
  const perTick = (rate * TICK_MS) / 1000;
  const started = Date.now();
  for (let tick = 0; sentAt.length < total; tick++) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + tick * TICK_MS - Date.now())));
    const now = Date.now();
    const messages = Array.from({ length: Math.min(perTick, total - sentAt.length) }, () => {
      const seq = sentAt.push(now);
      const event = {
        kind: 'auth',
        tenant: 'fresh',
        time: new Date(now).toISOString(),
        emitter_id: 'fresh',
        emitter_seq: seq,
        principal_id: `p${seq}`,
        outcome: 'success',
      };
      return { value: JSON.stringify(event) };
    });
    await producer.send({ topic, acks: 1, messages });
  }
  return sentAt;
}

async function freshTopics(): Promise<TestTopics> {
  const topics = uniqueTopics();
  await admin.createTopics({ waitForLeaders: true, topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 12 })) });
  return topics;
}

async function ours(): Promise<{ rows: Percentiles; metrics: Percentiles }> {
  const topics = await freshTopics();
  const hash = createHash('sha256').update(API_KEY).digest('hex');
  const consumer = startConsumer(broker.brokers, topics, tempDir('bench-fresh'), `fresh-ours-${topics.auth}`, {
    ZTNA_API_KEYS: `bench:analyst:${hash}`,
  });
  const url = await waitFor('the HTTP address', async () => /HTTP on (http:\/\/[\d.]+:\d+)/.exec(consumer.stdout())?.[1]);
  await waitFor('ready', async () => (await fetch(`${url}/readyz`)).ok, 60_000);
  const rowSeen = new Map<number, number>();
  const metricSeen: number[] = [];
  let sentAt: number[] = [];
  let sending = true;
  const watchMetrics = (async () => {
    while (sending || metricSeen.length < total) {
      const text = await (await fetch(`${url}/metrics`)).text();
      // Only the bench's own events: the API records every call it answers as access events too.
      const counted = Number(/^ztna_events_total\{kind="auth",source="native",status="normalized"\} (\d+)/m.exec(text)?.[1] ?? 0);
      const now = Date.now();
      while (metricSeen.length < counted) metricSeen.push(now); // the n-th event counted by now
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
  })();
  const watchRows = (async () => {
    while (sending || rowSeen.size < total) {
      // From the oldest event not yet seen: what became visible since.
      let oldest = 1;
      while (rowSeen.has(oldest)) oldest++;
      const from = new Date((sentAt[oldest - 1] ?? Date.now()) - 1000).toISOString();
      let cursor: string | undefined;
      do {
        const query = new URLSearchParams({ tenant: 'fresh', from, related: 'false', limit: '1000', ...(cursor ? { cursor } : {}) });
        const page = (await (await fetch(`${url}/api/v1/trails?${query}`, { headers: { authorization: `Bearer ${API_KEY}` } })).json()) as {
          events: Array<{ principal_id: string }>;
          next_cursor: string | null;
        };
        const now = Date.now();
        for (const e of page.events) {
          const seq = Number(e.principal_id.slice(1));
          if (!rowSeen.has(seq)) rowSeen.set(seq, now);
        }
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
  })();
  sentAt = await produceSteadily(topics.auth);
  sending = false;
  await Promise.all([watchMetrics, watchRows]);
  await stopGracefully(consumer);
  return {
    rows: percentiles([...rowSeen].map(([seq, at]) => at - sentAt[seq - 1]!)),
    metrics: percentiles(metricSeen.map((at, i) => at - sentAt[i]!)),
  };
}

async function peer(): Promise<Percentiles> {
  const topics = await freshTopics();
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bench', 'peers', 'kafkaEngineFreshness.mjs'),
      broker.brokers,
      `fresh-peer-${topics.auth}`,
      tempDir('bench-fresh-peer'),
      topics.auth,
      String(total),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor('the peer', async () => out.startsWith('ready\n'), 60_000, 50);
  await new Promise((resolve) => setTimeout(resolve, 3000)); // its consumer joins the group in the background
  const sentAt = await produceSteadily(topics.auth);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`peer exited with ${code}`);
  const latencies: number[] = [];
  for (const line of out.split('\n').slice(1).filter(Boolean)) {
    const [at, ...seqs] = line.split(' ').map(Number);
    for (const seq of seqs) latencies.push(at! - sentAt[seq - 1]!);
  }
  return percentiles(latencies);
}

try {
  const results: { rows: Percentiles[]; metrics: Percentiles[]; peer: Percentiles[] } = { rows: [], metrics: [], peer: [] };
  for (let round = 0; round < rounds; round++) {
    const o = await ours();
    results.rows.push(o.rows);
    results.metrics.push(o.metrics);
    results.peer.push(await peer());
    console.error(
      `round ${round + 1}/${rounds}: rows p99 ${o.rows.p99} ms, metrics p99 ${o.metrics.p99} ms, engine rows p99 ${results.peer.at(-1)!.p99} ms`,
    );
  }
  const row = (k: string, v: string) => console.log(`| ${k.padEnd(44)} | ${v.padEnd(24)} |`);
  console.log(
    `\nbench:freshness — ${rate} events/s for ${seconds} s on a real Kafka broker (12 partitions), ${rounds} rounds (min / median / max of each round's figure, ms)\n`,
  );
  row('what', 'ms');
  console.log(`|${'-'.repeat(46)}|${'-'.repeat(26)}|`);
  const figures: Record<string, number> = {};
  for (const [name, label, list] of [
    ['row', 'ztna run: event → row visible (API)', results.rows],
    ['metric', 'ztna run: event → counted in /metrics', results.metrics],
    ['engine_row', 'Kafka engine in chDB: event → row visible', results.peer],
  ] as const) {
    for (const p of ['p50', 'p95', 'p99'] as const) {
      const s = spread(list.map((r) => r[p]));
      row(`${label} ${p}`, formatSpread(s));
      figures[`${name}_${p}_ms`] = Math.round(s.median);
    }
  }
  console.log('');
  printFigures({ bench: 'freshness', rate, seconds, rounds, ...figures });
} finally {
  await Promise.all([admin.disconnect(), producer.disconnect()]);
  await broker.stop();
}
