// The tables that hold events, whatever the storage design: their names come from the store's
// tableFor(kind) for every kind and their columns from the engine, so what the trails benchmark
// asks of them (how many, which subjects are typical, the minimal query, bytes on disk) holds
// for four tables behind a view as for one wide table.
import { KINDS } from '../../src/events/index.js';
import { fromClickHouseTime, rangeParams, tableFor, type Params, type Store } from '../../src/store/index.js';

export interface EventTables {
  /** Table → its columns. */
  readonly columns: ReadonlyMap<string, ReadonlySet<string>>;
}

export const eventTableNames = (): string[] => [...new Set(KINDS.map(tableFor))];

export async function eventTables(store: Store): Promise<EventTables> {
  const names = eventTableNames();
  const rows = await store.query<{ table: string; name: string }>(
    'SELECT table, name FROM system.columns WHERE database = currentDatabase() AND table IN {tables:Array(String)}',
    { tables: names },
  );
  const columns = new Map(names.map((name) => [name, new Set<string>()]));
  for (const { table, name } of rows) columns.get(table)!.add(name);
  const missing = names.filter((name) => columns.get(name)!.size === 0);
  if (missing.length > 0) throw new Error(`no such table: ${missing.join(', ')}`);
  return { columns };
}

/**
 * One UNION ALL of `select` from every event table that has all of `needs`, each table bound as
 * an Identifier (t0, t1, …); `select` may use the table's columns and the caller's parameters.
 */
function unionOver(tables: EventTables, needs: readonly string[], select: (table: string) => string): { sql: string; params: Params } {
  const having = [...tables.columns].filter(([, cols]) => needs.every((c) => cols.has(c))).map(([table]) => table);
  if (having.length === 0) throw new Error(`no event table has the columns ${needs.join(', ')}`);
  return {
    sql: having.map((_, i) => select(`{t${i}:Identifier}`)).join('\nUNION ALL\n'),
    params: Object.fromEntries(having.map((table, i) => [`t${i}`, table])),
  };
}

const IN_RANGE = "time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}";

export interface Span {
  rows: number;
  first: Date;
  last: Date;
}

/** How many rows the event tables hold, and the time of their first and last event. */
export async function eventSpan(store: Store, tables: EventTables): Promise<Span> {
  const union = unionOver(tables, ['time'], (t) => `SELECT time FROM ${t}`);
  const [row] = await store.query<{ rows: string; first: string; last: string }>(
    `SELECT count() AS rows, min(time) AS first, max(time) AS last FROM (${union.sql})`,
    union.params,
  );
  return { rows: Number(row!.rows), first: new Date(fromClickHouseTime(row!.first)), last: new Date(fromClickHouseTime(row!.last)) };
}

export interface Subject {
  tenant: string;
  value: string;
  /** Its events in the range. */
  events: number;
  /** How many distinct values the column has in the range, and the fewest and most events one has. */
  subjects: number;
  fewest: number;
  most: number;
}

/**
 * The median-activity value of `column` in the range: of the (tenant, value) pairs ordered by
 * their number of events, the middle one. A typical subject, not the busiest nor a one-off.
 */
export async function typicalSubject(store: Store, tables: EventTables, column: string, range: { from: Date; to: Date }): Promise<Subject> {
  const union = unionOver(tables, ['tenant', column], (t) => `SELECT tenant, {column:Identifier} AS value FROM ${t} WHERE ${IN_RANGE}`);
  const [row] = await store.query<{ tenant: string; value: string; events: string; subjects: string; fewest: string; most: string }>(
    `SELECT tenant, value, events, subjects, fewest, most
     FROM (
         SELECT tenant, value, events,
                row_number() OVER (ORDER BY events, tenant, value) AS position,
                count() OVER () AS subjects, min(events) OVER () AS fewest, max(events) OVER () AS most
         FROM (SELECT tenant, value, count() AS events FROM (${union.sql}) WHERE value != '' GROUP BY tenant, value)
     )
     WHERE position = intDiv(subjects + 1, 2)`,
    { ...union.params, column, ...rangeParams(range) },
  );
  if (!row) throw new Error(`no ${column} in the range`);
  return { tenant: row.tenant, value: row.value, ...numbers(row, ['events', 'subjects', 'fewest', 'most']) };
}

const numbers = <K extends string>(row: Record<K, string>, keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, Number(row[k])])) as Record<K, number>;

/**
 * The engine's minimal query for one principal's events in a range: a plain filtered read on the
 * sort key's prefix, no FINAL, no joins, the columns every event table has, the first `limit`
 * in time order — the floor an API look-up of the same principal compares with.
 */
export function principalFloor(
  tables: EventTables,
  q: { tenant: string; principal: string; from: Date; to: Date; limit: number },
): { sql: string; params: Params } {
  const common = [...tables.columns.values()].reduce((a, b) => new Set([...a].filter((c) => b.has(c))));
  const columns = [...common].map((c) => `\`${c.replaceAll('`', '')}\``).join(', ');
  const union = unionOver(
    tables,
    ['tenant', 'principal_id', 'time'],
    (t) => `SELECT ${columns} FROM ${t} WHERE tenant = {tenant:String} AND principal_id = {principal:String} AND ${IN_RANGE}`,
  );
  return {
    sql: `SELECT * FROM (${union.sql}) ORDER BY time LIMIT {limit:UInt32}`,
    params: { ...union.params, tenant: q.tenant, principal: q.principal, limit: q.limit, ...rangeParams(q) },
  };
}

export interface TableDisk {
  table: string;
  parts: number;
  rows: number;
  bytes: number;
}

/** Active parts, rows and bytes on disk of every table of the database, by table. */
export async function diskUsage(store: Store): Promise<TableDisk[]> {
  const rows = await store.query<{ table: string; parts: string; rows: string; bytes: string }>(
    `SELECT table, count() AS parts, sum(rows) AS rows, sum(bytes_on_disk) AS bytes
     FROM system.parts WHERE active AND database = currentDatabase() GROUP BY table ORDER BY table`,
  );
  return rows.map((r) => ({ table: r.table, ...numbers(r, ['parts', 'rows', 'bytes']) }));
}

/** Waits until the engine runs no merge for `quietMs` (background merges would compete with the timed queries). */
export async function mergesSettled(store: Store, quietMs = 3000, timeoutMs = 30 * 60_000): Promise<number> {
  const started = performance.now();
  let quietSince = performance.now();
  for (;;) {
    const [row] = await store.query<{ n: string }>('SELECT count() AS n FROM system.merges WHERE database = currentDatabase()');
    if (Number(row!.n) > 0) quietSince = performance.now();
    else if (performance.now() - quietSince >= quietMs) return (performance.now() - started) / 1000;
    if (performance.now() - started > timeoutMs) throw new Error('background merges still running after 30 minutes');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Bytes on disk per row of the event tables once fully merged, measured on clones (same engine,
 * codecs, indexes, settings, and the parts as hard links) so the timed tables keep the parts
 * background merges left them: each cloned, OPTIMIZE … FINAL, its active parts read, dropped.
 */
export async function mergedBytes(store: Store): Promise<TableDisk[]> {
  const measured: TableDisk[] = [];
  for (const table of eventTableNames()) {
    const copy = `bench_merged_${table}`;
    // CREATE … CLONE AS takes no bound identifiers: the names are the store's own, checked here.
    if (!/^\w+$/.test(table)) throw new Error(`not a plain table name: ${table}`);
    await store.command('DROP TABLE IF EXISTS {copy:Identifier} SYNC', { copy });
    await store.command(`CREATE TABLE ${copy} CLONE AS ${table}`);
    try {
      await store.command('OPTIMIZE TABLE {copy:Identifier} FINAL', { copy });
      const disk = (await diskUsage(store)).find((d) => d.table === copy);
      measured.push({ ...(disk ?? { parts: 0, rows: 0, bytes: 0 }), table });
    } finally {
      await store.command('DROP TABLE IF EXISTS {copy:Identifier} SYNC', { copy });
    }
  }
  return measured;
}
