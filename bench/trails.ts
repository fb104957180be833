// npm run bench:trails [-- --events N --data DIR]
// The analyst's look-ups at scale (issue 12). N simulated events (default 10,000,000) loaded
// through `ztna import` into a fresh chDB directory, or into DIR, which a later run given the
// same DIR and N reuses without loading. Once background merges have settled, each query is
// timed 25 times after a warm-up: through an in-process API server on a real socket,
// GET /api/v1/trails for one principal over 24 h, one session_id, one token_id, one src_ip and
// the first page of 100 of everything in 1 h, the session timeline and the 7-day risk summary;
// through the store, every ClickHouse query of the generated dashboards (Grafana runs those, not
// the API) and the engine's minimal query for the same principal, the floor to compare with.
// The subjects are typical ones: median activity in the 24 h ending at the last event.
// Prints per query p50 / p95 / min / max and the rows the engine read, the bytes on disk per
// event once merged, and last one JSON line. No peer runs beside it: the figures are absolute.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { quantile } from 'simple-statistics';
import type { Role } from '../src/api/auth.js';
import { ConfigSchema } from '../src/config.js';
import { ChdbStore, migrate } from '../src/store/index.js';
import { apiServer, keyOf } from '../test/support/api.js';
import { sealClosedMinutes } from '../src/store/sealMinutes.js';
import { tempDir } from '../test/support/helpers.js';
import { dashboardQueries } from './support/dashboardQueries.js';
import {
  diskUsage,
  eventSpan,
  eventTableNames,
  eventTables,
  mergedBytes,
  mergesSettled,
  principalFloor,
  typicalSubject,
  type Subject,
  type TableDisk,
} from './support/eventTables.js';
import { printFigures, spread } from './support/figures.js';
import { loadedDirectory } from './support/loadEvents.js';
import { EngineStatistics, RecordingStore, type Read } from './support/rowsRead.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '10000000' }, data: { type: 'string' } } });
const events = Number(values.events);
if (!Number.isInteger(events) || events < 1) throw new Error(`--events takes a positive whole number, not ${values.events}`);
const dir = resolve(values.data ?? tempDir('bench-trails'));
const ROUNDS = 25;
const WARMUP = 3;
const PAGE = 100;
const HOUR = 3_600_000;

const { load, reused } = loadedDirectory(dir, events);
const store = new RecordingStore(new ChdbStore(dir));
// As the server does at start-up: a directory loaded before a schema change is brought up to date.
const schema = await migrate(store, { retentionDays: ConfigSchema.shape.ZTNA_RETENTION_DAYS.parse(undefined) });
// And seals the closed SLI minutes, as its first sealing pass does (`ztna import` sealed a fresh load already).
await sealClosedMinutes(store);
const settledSeconds = await mergesSettled(store);
const tables = await eventTables(store);
const span = await eventSpan(store, tables);
const timedDisk = await diskUsage(store);

const end = new Date(span.last.getTime() + 1);
const day = { from: new Date(end.getTime() - 24 * HOUR), to: end };
const hour = { from: new Date(end.getTime() - HOUR), to: end };
const typical = (column: string) => typicalSubject(store, tables, column, day);
const [principal, session, token, ip] = await Promise.all([
  typical('principal_id'),
  typical('session_id'),
  typical('token_id'),
  typical('src_ip'),
]);

const app = apiServer(store);
const base = await app.listen({ host: '127.0.0.1', port: 0 });
const statistics = new EngineStatistics(dir);

interface Case {
  /** The JSON line's name for it, when it has one there. */
  key?: string;
  name: string;
  /** Runs it once; resolves with how many events or rows it answered (undefined: not a list). */
  run: () => Promise<number | undefined>;
}

const range = (r: { from: Date; to: Date }) => ({ from: r.from.toISOString(), to: r.to.toISOString() });

function get<T>(role: Role, path: string, query: Record<string, string>, answered: (body: T) => number | undefined): Case['run'] {
  const url = `${base}${path}?${new URLSearchParams(query)}`;
  return async () => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${keyOf(role)}` } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${text.slice(0, 500)}`);
    return answered(JSON.parse(text) as T);
  };
}

const trail = (filters: Record<string, string>, r = day) =>
  get('analyst', '/api/v1/trails', { ...range(r), ...filters }, (page: { events: unknown[] }) => {
    if (page.events.length === 0) throw new Error(`an empty trail for ${JSON.stringify(filters)}: the subject was not found`);
    return page.events.length;
  });

const floor = principalFloor(tables, { tenant: principal.tenant, principal: principal.value, ...day, limit: PAGE });
const dashboards = dashboardQueries(end, { tenant: { all: "''" }, principal: { value: principal.value } });

const cases: Case[] = [
  { key: 'principal', name: 'trails: one principal, 24 h', run: trail({ tenant: principal.tenant, principal: principal.value }) },
  {
    key: 'principal_floor',
    name: '  floor: minimal SELECT, same principal',
    run: async () => (await store.query(floor.sql, floor.params)).length,
  },
  { key: 'session', name: 'trails: one session_id, 24 h', run: trail({ tenant: session.tenant, session_id: session.value }) },
  { key: 'token', name: 'trails: one token_id, 24 h', run: trail({ tenant: token.tenant, token_id: token.value }) },
  { key: 'src_ip', name: 'trails: one src_ip, 24 h', run: trail({ tenant: ip.tenant, src_ip: ip.value }) },
  { key: 'page', name: `trails: first ${PAGE} of everything, 1 h`, run: trail({ limit: String(PAGE) }, hour) },
  {
    key: 'timeline',
    name: 'session timeline, 24 h',
    run: get(
      'analyst',
      `/api/v1/sessions/${encodeURIComponent(session.value)}`,
      { ...range(day), tenant: session.tenant },
      (t: { events: unknown[] }) => t.events.length,
    ),
  },
  {
    key: 'risk_summary',
    name: 'risk summary, 7 d (ends now)',
    run: get('executive', '/api/v1/risk-summary', { period: '7d' }, () => undefined),
  },
  ...dashboards.map((d) => ({ name: `${d.name} (${d.span})`, run: async () => (await store.query(d.sql)).length })),
];

interface Measured extends Case {
  answered: number | undefined;
  statements: number;
  read: Read;
  p50: number;
  p95: number;
  min: number;
  max: number;
}

async function measure(c: Case): Promise<Measured> {
  for (let i = 0; i < WARMUP; i++) await c.run();
  store.take();
  // One more warm-up, its statements noted to ask the engine afterwards what they read.
  const answered = await c.run();
  const statements = store.take();
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    await c.run();
    times.push(performance.now() - started);
  }
  const { min, max } = spread(times);
  return {
    ...c,
    answered,
    statements: statements.length,
    read: await statistics.read(statements),
    p50: quantile(times, 0.5),
    p95: quantile(times, 0.95),
    min,
    max,
  };
}

const measured: Measured[] = [];
for (const c of cases) {
  measured.push(await measure(c));
  console.error(`${c.name.trim()}: p95 ${measured.at(-1)!.p95.toFixed(1)} ms`);
}
await app.close();
const merged = await mergedBytes(store);
statistics.close();
await store.close();

// ---- report
const int = (n: number) => Math.round(n).toLocaleString('en');
const ms = (n: number) => n.toFixed(1);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const sum = (disk: TableDisk[], f: (d: TableDisk) => number) =>
  disk.filter((d) => eventTableNames().includes(d.table)).reduce((n, d) => n + f(d), 0);
const mergedRows = merged.reduce((n, d) => n + d.rows, 0);
const mergedTotal = merged.reduce((n, d) => n + d.bytes, 0);
const bytesPerEvent = mergedTotal / mergedRows;

console.log(`\nbench:trails — ${int(events)} simulated events (seed ${load.seed}, from ${load.start}) in chDB at ${dir}\n`);
console.log(
  (reused
    ? `load: reused, loaded ${load.loaded_at}: `
    : `load: ztna simulate ${load.simulate_seconds} s (${load.ndjson_mib} MiB NDJSON), then `) +
    `ztna import read ${int(load.import.read)}, stored ${int(load.import.stored)}, skipped ${int(load.import.skipped)}, ` +
    `rejected ${int(load.import.rejected)} in ${load.import.seconds.toFixed(0)} s (${int(load.import.events_per_s)} events/s)`,
);
console.log(
  `stored: ${int(span.rows)} rows in ${eventTableNames().join(', ')} (schema at migration ${schema.current}), ${span.first.toISOString()} → ${span.last.toISOString()}; ` +
    `timed after background merges settled (${settledSeconds.toFixed(0)} s), on ${sum(timedDisk, (d) => d.parts)} active parts, ${mib(sum(timedDisk, (d) => d.bytes))}`,
);
if (!values.data) console.log(`the data stays in ${dir}: --data ${dir} reuses it`);
const riskFrom = Date.now() - 7 * 24 * HOUR;
if (span.first.getTime() < riskFrom)
  console.log(`note: the risk summary's 7 days end now; the events before ${new Date(riskFrom).toISOString()} fall outside them`);
console.log(`subjects: median activity in the 24 h ending at the last event (${day.from.toISOString()} → ${day.to.toISOString()})`);
const describe = (what: string, s: Subject) =>
  console.log(
    `  ${what.padEnd(10)} ${s.tenant} / ${s.value}: ${int(s.events)} events (of ${int(s.subjects)}: ${int(s.fewest)} to ${int(s.most)})`,
  );
describe('principal', principal);
describe('session', session);
describe('token', token);
describe('src_ip', ip);

const width = Math.max(...measured.map((m) => m.name.length));
const line = (cells: string[]) =>
  console.log(
    `| ${cells[0]!.padEnd(width)} | ${cells
      .slice(1)
      .map((c) => c.padStart(9))
      .join(' | ')} |`,
  );
console.log(
  `\n${ROUNDS} runs each after ${WARMUP + 1} warm-up runs; ms; rows read: the engine's statistics, summed over the queries a request runs\n`,
);
line(['query', 'p50', 'p95', 'min', 'max', 'queries', 'rows read', 'MiB read', 'answered']);
console.log(`|${'-'.repeat(width + 2)}|${Array(8).fill('-'.repeat(11)).join('|')}|`);
for (const m of measured)
  line([
    m.name,
    ms(m.p50),
    ms(m.p95),
    ms(m.min),
    ms(m.max),
    String(m.statements),
    int(m.read.rows),
    (m.read.bytes / 2 ** 20).toFixed(1),
    m.answered === undefined ? '—' : int(m.answered),
  ]);

const byKey = new Map(measured.filter((m) => m.key).map((m) => [m.key!, m]));
const principalCase = byKey.get('principal')!;
const floorCase = byKey.get('principal_floor')!;
console.log(
  `\nthe principal's trail against the engine's floor: p50 ${ms(principalCase.p50)} / ${ms(floorCase.p50)} ms = ${(principalCase.p50 / floorCase.p50).toFixed(1)}×, ` +
    `rows read ${int(principalCase.read.rows)} / ${int(floorCase.read.rows)}`,
);

console.log(
  '\nbytes on disk (active parts): the event tables as timed and once merged (a clone of each, OPTIMIZE … FINAL); every other table as is',
);
for (const d of timedDisk) {
  const m = merged.find((x) => x.table === d.table);
  console.log(
    `  ${d.table.padEnd(42)} ${`${int(d.rows)} rows`.padStart(16)} ${mib(d.bytes).padStart(12)} in ${d.parts} parts` +
      (m ? `; merged ${mib(m.bytes)} in ${m.parts} parts, ${(m.bytes / m.rows).toFixed(1)} bytes/row` : ''),
  );
}
const allTables = timedDisk.reduce((n, d) => n + d.bytes, 0);
console.log(`  event tables merged: ${int(mergedRows)} rows, ${mib(mergedTotal)}, ${bytesPerEvent.toFixed(1)} bytes per event`);
console.log(`  every table as timed: ${mib(allTables)}, ${(allTables / mergedRows).toFixed(1)} bytes per event\n`);

const dashboardCases = measured.filter((m) => !m.key);
const slowest = dashboardCases.reduce((a, b) => (b.p95 > a.p95 ? b : a));
const figures: Record<string, unknown> = { bench: 'trails', events, stored_events: span.rows, rounds: ROUNDS, reused_data: reused };
for (const [key, m] of byKey) {
  figures[`${key}_p95_ms`] = Number(ms(m.p95));
  figures[`${key}_p50_ms`] = Number(ms(m.p50));
  figures[`${key}_rows_read`] = m.read.rows;
}
printFigures({
  ...figures,
  dashboard_max_p95_ms: Number(ms(slowest.p95)),
  dashboard_max_p95_query: slowest.name,
  dashboard_max_rows_read: Math.max(...dashboardCases.map((m) => m.read.rows)),
  bytes_per_event: Number(bytesPerEvent.toFixed(1)),
  all_tables_bytes_per_event: Number((allTables / mergedRows).toFixed(1)),
});
