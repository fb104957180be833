// The stores the shared suites run on: chDB under a temporary directory, or a ClickHouse server
// through ClickHouseServerStore: the one CLICKHOUSE_URL names where it is set (with CLICKHOUSE_USER
// and CLICKHOUSE_PASSWORD), else the HTTP stand-in on chDB (services/clickhouseHttp.ts), started
// once per test file. Each server store gets a database of its own.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import type { ClickHouseServerOptions } from '../../src/store/clickhouse.js';
import { ClickHouseServerStore, migrate, type Store } from '../../src/store/index.js';
import { tempDir } from './helpers.js';
import { startClickHouseHttp, type ClickHouseHttp } from './services/clickhouseHttp.js';
import { makeCa, makeCertificate } from './services/certificates.js';
import { migratedStore } from './store.js';

/** A store with every migration applied, empty; `name` says which test it is for. */
export type OpenStore = (name: string) => Promise<Store>;

export const chdbStores: OpenStore = async (name) => migratedStore(tempDir(name));

export interface ServerStores {
  /** Where the stores are, for test names. */
  name: string;
  /** A migrated store in a new database. */
  open: OpenStore;
  /** A store in a new database, nothing applied. */
  openEmpty(): Promise<ClickHouseServerStore>;
  /** The client settings of the server (URL, credentials, TLS), for a client of a test's own. */
  connection(): Promise<ClickHouseServerOptions>;
  /** The stand-in, when the tests run on it (undefined with CLICKHOUSE_URL). */
  standIn(): Promise<ClickHouseHttp | undefined>;
}

/**
 * Server stores for this test file. With `tls` the stand-in serves https with a CA made here
 * (trusted through the store's `tls.ca`, as CLICKHOUSE_CA_FILE does); registers its own clean-up.
 */
export function useClickHouseServer(options: { tls?: boolean; compression?: ClickHouseServerOptions['compression'] } = {}): ServerStores {
  const url = process.env.CLICKHOUSE_URL;
  let server: Promise<{ standIn?: ClickHouseHttp; connection: ClickHouseServerOptions }> | undefined;
  const databases: string[] = [];

  const start = () =>
    (server ??= (async () => {
      if (url) return { connection: { url, username: process.env.CLICKHOUSE_USER, password: process.env.CLICKHOUSE_PASSWORD } };
      const dir = tempDir('clickhouse-http');
      const password = randomBytes(12).toString('hex');
      const ca = options.tls ? makeCa(dir, 'clickhouse-ca') : undefined;
      const cert = ca ? makeCertificate(dir, 'clickhouse-server', ca, 'server') : undefined;
      const standIn = await startClickHouseHttp({ dataDir: dir, user: 'ztna', password, ...(cert ? { tls: cert } : {}) });
      const tls = ca ? { tls: { ca: readFileSync(ca.certFile) } } : {};
      return { standIn, connection: { url: standIn.url, username: 'ztna', password, ...tls } };
    })());

  const openEmpty = async () => {
    const { connection } = await start();
    const database = `ztna_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const admin = new ClickHouseServerStore(connection);
    try {
      await admin.command('CREATE DATABASE {database:Identifier}', { database });
    } finally {
      await admin.close();
    }
    databases.push(database);
    return new ClickHouseServerStore({ ...connection, database, compression: options.compression });
  };

  afterAll(async () => {
    if (!server) return;
    const { standIn, connection } = await server;
    if (standIn) return standIn.stop();
    const admin = new ClickHouseServerStore(connection);
    for (const database of databases) await admin.command('DROP DATABASE IF EXISTS {database:Identifier}', { database });
    await admin.close();
  });

  return {
    name: url ? `a ClickHouse server at ${new URL(url).host}` : `the ClickHouse HTTP stand-in on chDB${options.tls ? ' over https' : ''}`,
    openEmpty,
    open: async () => {
      const store = await openEmpty();
      // The tests' events have fixed dates: a ten-year retention keeps the TTL from expiring them.
      await migrate(store, { retentionDays: 3650 });
      return store;
    },
    connection: async () => (await start()).connection,
    standIn: async () => (await start()).standIn,
  };
}
