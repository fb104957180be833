// npm run bench:export [-- --events N]
// The analyst API on chDB over N simulated events (default 500,000): JSON page latency, and
// the whole range exported as NDJSON and CSV through a real HTTP socket — rows/s and the
// process's RSS growth while streaming — against the buffered way (one query, the whole
// result in memory, serialized at once). Figures, not assertions.
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { hashApiKey, parseApiKeys } from '../src/api/auth.js';
import { buildServer } from '../src/api/server.js';
import { IngestPipeline } from '../src/pipeline/pipeline.js';
import { loadSloSpec } from '../src/slo/spec.js';
import { TrafficSimulator } from '../src/simulate/traffic.js';
import { createRegistry } from '../src/metrics.js';
import { ChdbStore, fromClickHouseTime, migrate, rangeParams } from '../src/store/index.js';
import { normalizeOptions, ROOT, tempDir } from '../test/support/helpers.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '500000' } } });
const events = Number(values.events);
const START = Date.parse('2026-11-20T00:00:00Z');

const store = new ChdbStore(tempDir('bench-export'));
await migrate(store, { retentionDays: 3650 });
const { observedTime: _t, ...options } = normalizeOptions();
const pipeline = new IngestPipeline(store, options, {});
const sim = new TrafficSimulator({ seed: 3, start: START, invalidShare: 0, notAccessShare: 0 });
for (let done = 0; done < events;) {
  const batch = Array.from({ length: Math.min(10_000, events - done) }, () => ({
    value: Buffer.from(sim.next().line),
    origin: { door: 'http' as const },
  }));
  await pipeline.processBatch(batch);
  done += batch.length;
}
const [{ n, last }] = (await store.query<{ n: string; last: string }>('SELECT count() AS n, max(time) AS last FROM access_events')) as [
  { n: string; last: string },
];
const to = Date.parse(fromClickHouseTime(last)) + 1;
const range = `from=${new Date(START).toISOString()}&to=${new Date(to).toISOString()}`;

const app = buildServer({
  store,
  registry: createRegistry(),
  spec: loadSloSpec(join(ROOT, 'slos.yaml')),
  apiKeys: parseApiKeys(`bench:analyst:${hashApiKey('bench-key')}`),
});
const base = await app.listen({ host: '127.0.0.1', port: 0 });
const headers = { authorization: 'Bearer bench-key' };

/** Runs `work` while sampling RSS every 20 ms; returns its result, seconds and the RSS growth in MiB. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; growthMiB: number }> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t = performance.now();
  const result = await work();
  const seconds = (performance.now() - t) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { result, seconds, growthMiB: (peak - before) / 2 ** 20 };
}

/** Reads a streamed response to the end, counting bytes and lines without keeping them. */
async function drain(url: string, accept: string): Promise<{ bytes: number; lines: number }> {
  const res = await fetch(url, { headers: { ...headers, accept } });
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (const b of chunk) if (b === 10) lines++;
  }
  return { bytes, lines };
}

const pageTimes: number[] = [];
let cursor = '';
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  const page = (await (
    await fetch(`${base}/api/v1/trails?${range}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`, { headers })
  ).json()) as { next_cursor: string };
  pageTimes.push(performance.now() - t);
  cursor = page.next_cursor;
}
pageTimes.sort((a, b) => a - b);

const ndjson = await measured(() => drain(`${base}/api/v1/trails?${range}`, 'application/x-ndjson'));
const csv = await measured(() => drain(`${base}/api/v1/trails?${range}`, 'text/csv'));
const buffered = await measured(async () => {
  const rows = await store.query(
    'SELECT * FROM access_events WHERE time >= {from:DateTime64(3)} AND time < {to:DateTime64(3)} ORDER BY time, kind, event_id',
    rangeParams({ from: new Date(START), to: new Date(to) }),
  );
  return { bytes: Buffer.byteLength(rows.map((r) => JSON.stringify(r)).join('\n')), lines: rows.length };
});
await app.close();
await store.close();

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const row = (name: string, m: typeof ndjson) =>
  `| ${name.padEnd(40)} | ${m.result.lines.toLocaleString('en').padStart(9)} | ${mib(m.result.bytes).padStart(8)} | ${`${Math.round(m.result.lines / m.seconds).toLocaleString('en')}/s`.padStart(10)} | ${`${m.growthMiB.toFixed(0)} MiB`.padStart(10)} |`;
console.log(
  `\nbench:export — ${Number(n).toLocaleString('en')} events in chDB, the whole range through GET /api/v1/trails on a real socket\n`,
);
console.log(
  `JSON page of 1000 (keyset cursor, 20 consecutive pages): median ${pageTimes[10]!.toFixed(0)} ms, worst ${pageTimes.at(-1)!.toFixed(0)} ms\n`,
);
console.log('| export                                   |      rows |   output |      speed | RSS growth |');
console.log('|------------------------------------------|-----------|----------|------------|------------|');
console.log(row('NDJSON, streamed page by page (5,000)', ndjson));
console.log(row('CSV, streamed page by page (5,000)', csv));
console.log(row('buffered: one query, then serialize', buffered));
