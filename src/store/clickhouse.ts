// A ClickHouse server (or cluster) through the official client, when CLICKHOUSE_URL is set.
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { StoreError } from './errors.js';
import { paramsUsedBy, statementLabel, type Params, type Row, type Store } from './store.js';

export interface ClickHouseServerOptions {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  database?: string | undefined;
  /** For an https URL: the PEM CA(s) to trust instead of the system's, and a client certificate and key for mutual TLS. */
  tls?: { ca: Buffer; cert?: Buffer | undefined; key?: Buffer | undefined } | undefined;
  requestTimeoutMs?: number | undefined;
  /** gzip of responses, of request (insert) bodies, or both; default none. */
  compression?: 'none' | 'response' | 'request' | 'both' | undefined;
}

function clientTls({ ca, cert, key }: NonNullable<ClickHouseServerOptions['tls']>) {
  return cert && key ? { ca_cert: ca, cert, key } : { ca_cert: ca };
}

export class ClickHouseServerStore implements Store {
  readonly engine = 'clickhouse';
  readonly location: string;
  private readonly client: ClickHouseClient;

  constructor(options: ClickHouseServerOptions) {
    const url = new URL(options.url);
    url.username = '';
    url.password = '';
    this.location = `${url.origin}/${options.database ?? 'default'}`;
    this.client = createClient({
      url: options.url,
      username: options.username,
      password: options.password,
      database: options.database,
      ...(options.tls ? { tls: clientTls(options.tls) } : {}),
      request_timeout: options.requestTimeoutMs,
      compression: {
        request: options.compression === 'request' || options.compression === 'both',
        response: options.compression === 'response' || options.compression === 'both',
      },
      // The store promises: an insert resolves once it is durable in a part, not buffered.
      clickhouse_settings: { async_insert: 0, wait_end_of_query: 1 },
      // Failures reach the caller as StoreErrors, which log them once; the client's own block would repeat each.
      log: { level: ClickHouseLogLevel.OFF },
    });
  }

  async command(sql: string, params?: Params): Promise<void> {
    await this.call(sql, () => this.client.command({ query: sql, query_params: paramsUsedBy(sql, params) }));
  }

  async insert(table: string, rows: readonly Row[] | Buffer): Promise<void> {
    if (rows.length === 0) return;
    if (!Buffer.isBuffer(rows)) {
      await this.call(`insert into ${table}`, () => this.client.insert({ table, values: rows as Row[], format: 'JSONEachRow' }));
      return;
    }
    // Rows already encoded go as the request body, byte for byte (the client's insert takes only objects for JSON formats).
    await this.call(`insert into ${table}`, async () => {
      const { stream } = await this.client.exec({
        query: 'INSERT INTO {table:Identifier} FORMAT JSONEachRow',
        query_params: { table },
        values: Readable.from([rows]),
      });
      stream.resume();
      await finished(stream);
    });
  }

  async query<T = Row>(sql: string, params?: Params): Promise<T[]> {
    const result = await this.call(sql, () =>
      this.client.query({ query: sql, query_params: paramsUsedBy(sql, params), format: 'JSONEachRow' }),
    );
    return (await result.json()) as T[];
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const code = Number((err as { code?: string }).code);
      throw new StoreError(`clickhouse: ${statementLabel(what)}: ${(err as Error).message}`, Number.isFinite(code) ? code : undefined, {
        cause: err,
      });
    }
  }
}
