// A chDB data directory holding N simulated events, loaded the product's way: `ztna simulate`
// writes NDJSON, `ztna import FILE` stores it (normalize → pipeline → chDB, as bench:import).
// A directory this loaded carries a note of the load, so a later run given the same directory
// and N skips the load (10 million events take minutes) and says how that load went.
import { spawnSync } from 'node:child_process';
import { existsSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImportSummary } from '../../src/commands/import.js';
import { CLI, HMAC_KEY, tempDir } from '../../test/support/helpers.js';

export interface Load {
  events: number;
  seed: number;
  /** The simulated traffic's first instant. */
  start: string;
  loaded_at: string;
  ndjson_mib: number;
  simulate_seconds: number;
  import: ImportSummary;
}

const NOTE = 'bench-load.json';
const SEED = 1;

/**
 * The simulated traffic starts at UTC midnight three days ago: recent enough for the risk
 * summary (whose window ends now) to cover it, whole days so its partitions fall alike.
 */
function simulatedStart(now = new Date()): string {
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(day - 3 * 86400_000).toISOString();
}

/** The load noted in `dir`, when `dir` holds `events` events loaded here; loads them into an empty or new `dir` otherwise. */
export function loadedDirectory(dir: string, events: number): { load: Load; reused: boolean } {
  const note = join(dir, NOTE);
  if (existsSync(note)) {
    const load = JSON.parse(readFileSync(note, 'utf8')) as Load;
    if (load.events !== events) throw new Error(`${dir} holds ${load.events} simulated events, not ${events}: give another directory`);
    return { load, reused: true };
  }
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new Error(`${dir} is not empty and has no ${NOTE} (not loaded here, or its load did not finish): give an empty or new directory`);
  const load = loadInto(dir, events);
  writeFileSync(note, `${JSON.stringify(load, null, 2)}\n`);
  return { load, reused: false };
}

function loadInto(dir: string, events: number): Load {
  const start = simulatedStart();
  const spool = tempDir('bench-trails-ndjson');
  const file = join(spool, 'traffic.ndjson');
  try {
    const started = performance.now();
    const simulated = spawnSync(process.execPath, [CLI, 'simulate', '--events', String(events), '--seed', String(SEED), '--start', start], {
      stdio: ['ignore', openSync(file, 'w'), 'inherit'],
    });
    if (simulated.status !== 0) throw new Error(`ztna simulate exited with ${simulated.status}`);
    const simulateSeconds = (performance.now() - started) / 1000;
    const imported = spawnSync(process.execPath, [CLI, 'import', file], {
      env: { ...process.env, ZTNA_DATA_DIR: dir, ZTNA_HMAC_KEY: HMAC_KEY, KAFKA_BROKERS: '', CLICKHOUSE_URL: '', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    });
    if (imported.status !== 0) throw new Error(`ztna import exited with ${imported.status}`);
    const summary = JSON.parse(imported.stdout) as ImportSummary;
    if (summary.read !== events) throw new Error(`ztna import read ${summary.read} of ${events} records`);
    return {
      events,
      seed: SEED,
      start,
      loaded_at: new Date().toISOString(),
      ndjson_mib: Math.round(statSync(file).size / 2 ** 20),
      simulate_seconds: Number(simulateSeconds.toFixed(1)),
      import: summary,
    };
  } finally {
    rmSync(spool, { recursive: true, force: true });
  }
}
