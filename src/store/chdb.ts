// chDB: the ClickHouse engine in this process, data under a directory. The embedded default.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Session } from 'chdb';
import { StoreError } from './errors.js';
import { paramsUsedBy, statementLabel, toNdjson, type Params, type Row, type Store } from './store.js';

/**
 * The engine's caches are sized for a server by default (5 GiB each for marks, primary indexes
 * and secondary-index marks): in a service that also runs the pipeline they would grow with every
 * query over months of data. Bounded here to what this service's queries need; measured, they do
 * not move the peak of an ingest (most of that is the engine's own working memory, its
 * materialized views and the library's ~250 MiB of mapped code: see README, Performance).
 * These are server settings, so they go after `--` in clickhouse-local's command-line form.
 */
const MiB = 1024 * 1024;
const ENGINE_ARGS = [
  '--',
  `--mark_cache_size=${64 * MiB}`,
  `--index_mark_cache_size=${32 * MiB}`,
  `--primary_index_cache_size=${64 * MiB}`,
  `--query_condition_cache_size=${16 * MiB}`,
  '--uncompressed_cache_size=0',
];

export class ChdbStore implements Store {
  readonly engine = 'chdb';
  readonly location: string;
  private readonly session: Session;

  constructor(dataDir: string) {
    this.location = resolve(dataDir);
    mkdirSync(this.location, { recursive: true });
    this.session = new Session(this.location, { connectionArgs: ENGINE_ARGS });
  }

  async command(sql: string, params?: Params): Promise<void> {
    await this.run(sql, params, 'TabSeparated');
  }

  async insert(table: string, rows: readonly Row[] | Buffer): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.session.insert({ table, values: toNdjson(rows), format: 'JSONEachRow' });
    } catch (err) {
      throw wrap(err, `insert into ${table}`);
    }
  }

  async query<T = Row>(sql: string, params?: Params): Promise<T[]> {
    const text = await this.run(sql, params, 'JSONEachRow');
    return text === ''
      ? []
      : text
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line) as T);
  }

  async close(): Promise<void> {
    this.session.close();
  }

  private async run(sql: string, params: Params | undefined, format: string): Promise<string> {
    const bound = paramsUsedBy(sql, params);
    try {
      const result = bound ? await this.session.queryBindAsync(sql, bound, { format }) : await this.session.queryAsync(sql, { format });
      return result.text();
    } catch (err) {
      throw wrap(err, statementLabel(sql));
    }
  }
}

function wrap(err: unknown, what: string): StoreError {
  const e = err as { message?: string; clickhouseCode?: number };
  return new StoreError(`chdb: ${what}: ${e.message ?? String(err)}`, e.clickhouseCode, { cause: err });
}
