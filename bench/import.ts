// npm run bench:import [-- --events N --rounds R]
// N simulated events (default 1,000,000) written once to an NDJSON file, then, alternately for R
// rounds (default 3), each into a fresh data directory:
//   ours: `ztna import FILE` (normalize → chDB, in batches, preparing the next while the last is stored);
//   peer: ClickHouse reading the same file itself in chDB (bench/peers/fileImport.mjs), raw JSON → MergeTree.
// Prints events/s and peak RSS as min / median / max, the ratio ours/peer, and last one JSON line.
import { spawn, spawnSync } from 'node:child_process';
import { openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLI, HMAC_KEY, ROOT, tempDir } from '../test/support/helpers.js';
import { formatSpread, printFigures, spread, type ProcessFigures, watchProcess } from './support/figures.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '3' } } });
const events = Number(values.events);
const rounds = Number(values.rounds);

const file = join(tempDir('bench-import'), 'history.ndjson');
const written = spawnSync(
  process.execPath,
  [CLI, 'simulate', '--events', String(events), '--seed', '1', '--start', '2026-11-20T00:00:00Z'],
  { stdio: ['ignore', openSync(file, 'w'), 'inherit'] },
);
if (written.status !== 0) throw new Error('simulate failed');

interface Round {
  eventsPerSecond: number;
  peakRssMiB: number;
  cpuMicrosPerEvent: number;
}

/** Runs a command to its end; its wall time from spawn to exit, its peak RSS and CPU time. */
async function timed(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ProcessFigures & { seconds: number; stdout: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const watched = watchProcess(child.pid!);
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  // Sampled on the way out, before the process is gone: its last CPU time is then at most one sample old.
  const figures = new Promise<ProcessFigures>((resolve) => child.stdout.on('end', () => resolve(watched())));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}`);
  return { seconds: (performance.now() - started) / 1000, ...(await figures), stdout };
}

async function ours(): Promise<Round> {
  const env = {
    ZTNA_DATA_DIR: tempDir('bench-import-ours'),
    ZTNA_HMAC_KEY: HMAC_KEY,
    KAFKA_BROKERS: '',
    CLICKHOUSE_URL: '',
    LOG_LEVEL: 'warn',
  };
  const run = await timed([CLI, 'import', file], env);
  const summary = JSON.parse(run.stdout) as { read: number };
  if (summary.read !== events) throw new Error(`ztna import read ${summary.read} of ${events}`);
  return { eventsPerSecond: events / run.seconds, peakRssMiB: run.peakRssMiB, cpuMicrosPerEvent: (run.cpuSeconds * 1e6) / events };
}

async function peer(): Promise<Round> {
  const run = await timed([join(ROOT, 'bench', 'peers', 'fileImport.mjs'), tempDir('bench-import-peer'), file]);
  const { rows } = JSON.parse(run.stdout) as { rows: number };
  if (rows !== events) throw new Error(`the peer stored ${rows} of ${events}`);
  return { eventsPerSecond: events / run.seconds, peakRssMiB: run.peakRssMiB, cpuMicrosPerEvent: (run.cpuSeconds * 1e6) / events };
}

const results: { ours: Round[]; peer: Round[] } = { ours: [], peer: [] };
for (let round = 0; round < rounds; round++) {
  results.ours.push(await ours());
  results.peer.push(await peer());
  console.error(
    `round ${round + 1}/${rounds}: ours ${results.ours.at(-1)!.eventsPerSecond.toFixed(0)} events/s, peer ${results.peer.at(-1)!.eventsPerSecond.toFixed(0)} events/s`,
  );
}

const oursRate = spread(results.ours.map((r) => r.eventsPerSecond));
const peerRate = spread(results.peer.map((r) => r.eventsPerSecond));
const ratios = spread(results.ours.map((r, i) => r.eventsPerSecond / results.peer[i]!.eventsPerSecond));
const row = (k: string, v: string) => console.log(`| ${k.padEnd(58)} | ${v.padEnd(30)} |`);
console.log(
  `\nbench:import — ${events.toLocaleString('en')} simulated events in one NDJSON file (${(statSync(file).size / 1048576).toFixed(0)} MiB), ${rounds} alternating rounds (min / median / max)\n`,
);
row('what', 'value');
console.log(`|${'-'.repeat(60)}|${'-'.repeat(32)}|`);
row('ztna import (normalize → chDB), events/s', formatSpread(oursRate));
row('ClickHouse file() in chDB (raw JSON → MergeTree), events/s', formatSpread(peerRate));
row('ratio ours / ClickHouse (round by round)', formatSpread(ratios, 3));
const oursCpu = spread(results.ours.map((r) => r.cpuMicrosPerEvent));
const peerCpu = spread(results.peer.map((r) => r.cpuMicrosPerEvent));
row('ztna import CPU per event (every thread)', formatSpread(oursCpu, 1, ' µs'));
row('ClickHouse file() CPU per event (every thread)', formatSpread(peerCpu, 1, ' µs'));
row('ztna import peak RSS', formatSpread(spread(results.ours.map((r) => r.peakRssMiB)), 0, ' MiB'));
row('ClickHouse file() peak RSS', formatSpread(spread(results.peer.map((r) => r.peakRssMiB)), 0, ' MiB'));
console.log('');
printFigures({
  bench: 'import',
  events,
  rounds,
  events_per_s: Math.round(oursRate.median),
  clickhouse_file_events_per_s: Math.round(peerRate.median),
  ratio_vs_clickhouse_file: Number((oursRate.median / peerRate.median).toFixed(3)),
  cpu_us_per_event: Number(oursCpu.median.toFixed(1)),
  clickhouse_file_cpu_us_per_event: Number(peerCpu.median.toFixed(1)),
  peak_rss_mib: Math.round(spread(results.ours.map((r) => r.peakRssMiB)).max),
});
