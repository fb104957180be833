// The one storage interface. Two implementations: chDB (in-process ClickHouse, the
// embedded default) and a ClickHouse server. Nothing above this file knows which runs.
export { StoreError, isDataError, DATA_ERROR_CODES } from './errors.js';

export type Params = Record<string, string | number | boolean | bigint | null | readonly string[]>;
export type Row = Record<string, unknown>;

export interface Store {
  /** 'chdb' or 'clickhouse': for messages, never for branching above the store. */
  readonly engine: string;
  /** Where the data lives, for people: a directory or a URL without credentials. */
  readonly location: string;
  /** A statement with no result (DDL, ALTER). Values are bound `{name:Type}` parameters. */
  command(sql: string, params?: Params): Promise<void>;
  /**
   * One insert of many rows, resolved when the engine has acknowledged it: row objects, or rows
   * already encoded as JSONEachRow bytes (one object and a newline per row), sent as they are.
   */
  insert(table: string, rows: readonly Row[] | Buffer): Promise<void>;
  /** Rows of a SELECT, with bound `{name:Type}` parameters. */
  query<T = Row>(sql: string, params?: Params): Promise<T[]>;
  close(): Promise<void>;
}

/** Only the parameters a statement names: engines refuse or ignore the rest inconsistently. */
export function paramsUsedBy(sql: string, params: Params | undefined): Params | undefined {
  if (!params) return undefined;
  const used = Object.fromEntries(Object.entries(params).filter(([name]) => sql.includes(`{${name}:`)));
  return Object.keys(used).length > 0 ? used : undefined;
}

/** The statement's first line of SQL (not its leading comments), to name it in messages. */
export function statementLabel(sql: string): string {
  return (
    sql
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '' && !l.startsWith('--'))
      ?.slice(0, 80) ?? ''
  );
}

/** Rows as JSONEachRow bytes; bytes already encoded are kept as they are. */
export function toNdjson(rows: readonly Row[] | Buffer): Buffer {
  return Buffer.isBuffer(rows) ? rows : Buffer.from(rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
}
