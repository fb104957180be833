// chDB stores for the tests, and the counts they read back.
import { ChdbStore, migrate, type Params, type Store } from '../../src/store/index.js';

/**
 * A chDB store under `dataDir` with every migration applied. The tests' events have fixed dates
 * (November 2026): a ten-year retention keeps the TTL from expiring them as the years pass.
 */
export async function migratedStore(dataDir: string): Promise<ChdbStore> {
  const store = new ChdbStore(dataDir);
  await migrate(store, { retentionDays: 3650 });
  return store;
}

/** Opens the store a `ztna` process left under `dataDir`, reads it, and closes it again. */
export async function readStore<T>(dataDir: string, read: (store: Store) => Promise<T>): Promise<T> {
  const store = new ChdbStore(dataDir);
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

/** The number a query answers in its one row's `n` column. */
export async function queryCount(store: Store, sql: string, params?: Params): Promise<number> {
  const [row] = await store.query<{ n: string | number }>(sql, params);
  if (!row) throw new Error(`no row from: ${sql}`);
  return Number(row.n);
}

/**
 * Rows in the events table: with FINAL each distinct event once; without, every row stored, a
 * redelivered one not yet merged away included.
 */
export const eventRows = (store: Store, { final }: { final: boolean }): Promise<number> =>
  queryCount(store, final ? 'SELECT count() AS n FROM events FINAL' : 'SELECT count() AS n FROM events');

/** Distinct events of every kind. */
export const distinctEvents = (store: Store) => eventRows(store, { final: true });
