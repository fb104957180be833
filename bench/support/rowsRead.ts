// What the engine read for a request: ClickHouse's own statistics (rows_read and bytes_read of
// the JSON format), since chDB keeps no system.query_log. The API's store is wrapped in a
// RecordingStore that notes each statement it runs; those are run again afterwards, outside the
// timing, on a chDB session over the same data directory, for their statistics.
import { Session } from 'chdb';
import { paramsUsedBy, type Params, type Row, type Store } from '../../src/store/index.js';

export interface Statement {
  sql: string;
  params: Params | undefined;
}

/** A store that passes everything through and notes the queries. */
export class RecordingStore implements Store {
  private noted: Statement[] = [];

  constructor(private readonly inner: Store) {}

  get engine() {
    return this.inner.engine;
  }

  get location() {
    return this.inner.location;
  }

  command(sql: string, params?: Params): Promise<void> {
    return this.inner.command(sql, params);
  }

  insert(table: string, rows: readonly Row[]): Promise<void> {
    return this.inner.insert(table, rows);
  }

  query<T = Row>(sql: string, params?: Params): Promise<T[]> {
    this.noted.push({ sql, params });
    return this.inner.query<T>(sql, params);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** The queries run since the last call. */
  take(): Statement[] {
    const taken = this.noted;
    this.noted = [];
    return taken;
  }
}

export interface Read {
  rows: number;
  bytes: number;
}

/** The engine's statistics of statements, over a chDB data directory. */
export class EngineStatistics {
  private readonly session: Session;

  constructor(dataDir: string) {
    this.session = new Session(dataDir);
  }

  /** Rows and bytes the engine read for the statements, one after another, summed. */
  async read(statements: readonly Statement[]): Promise<Read> {
    const total = { rows: 0, bytes: 0 };
    for (const { sql, params } of statements) {
      const bound = paramsUsedBy(sql, params);
      const result = bound
        ? await this.session.queryBindAsync(sql, bound, { format: 'JSON' })
        : await this.session.queryAsync(sql, { format: 'JSON' });
      const { statistics } = JSON.parse(result.text()) as { statistics: { rows_read: number; bytes_read: number } };
      total.rows += statistics.rows_read;
      total.bytes += statistics.bytes_read;
    }
    return total;
  }

  close(): void {
    this.session.close();
  }
}
