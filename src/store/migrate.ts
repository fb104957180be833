// Applies sql/migrations (sql/cluster on a cluster: src/store/clusterLayout.ts) in order, once
// each, recording them in the ledger. Safe to run at every start-up and from several replicas:
// statements are IF NOT EXISTS, so a crash between a statement and its ledger row only repeats a no-op.
import { createHash } from 'node:crypto';
import { checkClusterDatabase, layoutDdl, type StoreLayout } from './clusterLayout.js';
import { EVENTS_TABLE } from './rows.js';
import { namedQuery, statements } from './sql.js';
import type { Store } from './store.js';

export interface MigrateOptions {
  retentionDays: number;
  /** Stop after this version (default: all). Retention is re-applied only once all are applied. */
  target?: number;
  /** sql/migrations for one server (or chDB), sql/cluster for a replicated, sharded cluster (default single). */
  layout?: StoreLayout;
}

export interface MigrateResult {
  applied: string[];
  current: number;
}

/** Tables with a time-based TTL, and their time column. */
export const RETAINED_TABLES: ReadonlyArray<{ table: string; timeColumn: string }> = [
  { table: EVENTS_TABLE, timeColumn: 'time' },
  { table: 'rejected_events', timeColumn: 'received_time' },
  { table: 'sli_minute', timeColumn: 'minute' },
  { table: 'sli_minute_sealed', timeColumn: 'minute' },
  { table: 'emitter_minute', timeColumn: 'minute' },
  { table: 'denial_minute', timeColumn: 'minute' },
  { table: 'denial_minute_sealed', timeColumn: 'minute' },
  { table: 'principal_hour', timeColumn: 'hour' },
  { table: 'subject_hour', timeColumn: 'hour' },
  { table: 'long_lived_token_uses', timeColumn: 'time' },
  { table: 'service_credentials', timeColumn: 'last_seen' },
  { table: 'principal_app_day', timeColumn: 'day' },
  { table: 'anomalies', timeColumn: 'time' },
  { table: 'alert_pages', timeColumn: 'starts_at' },
];

/** What the ledger holds of a migration: the SHA-256 of its text, so a changed migration is told apart. */
export const migrationChecksum = (sql: string) => createHash('sha256').update(sql).digest('hex');

export async function migrate(store: Store, options: MigrateOptions): Promise<MigrateResult> {
  const ddl = layoutDdl(options.layout ?? 'single');
  if (options.layout === 'cluster') await checkClusterDatabase(store);
  for (const statement of statements(ddl.ledger)) await store.command(statement);
  const done = new Map(
    (await store.query<{ version: number; name: string; checksum: string }>(namedQuery('applied_migrations'))).map((m) => [
      Number(m.version),
      m,
    ]),
  );
  const params = { retention_days: options.retentionDays };
  const applied: string[] = [];
  const pending = ddl.migrations.filter((m) => m.version <= (options.target ?? Infinity));
  for (const migration of pending) {
    const checksum = migrationChecksum(migration.sql);
    const previous = done.get(migration.version);
    if (previous) {
      if (previous.checksum !== checksum) {
        throw new Error(`migration ${migration.name} was changed after it was applied; add a new migration instead`);
      }
      continue;
    }
    for (const statement of statements(migration.sql)) await store.command(statement, params);
    await store.insert('schema_migrations', [
      { version: migration.version, name: migration.name, checksum, applied_at: new Date().toISOString().replace('T', ' ').slice(0, 23) },
    ]);
    applied.push(migration.name);
  }
  const current = Math.max(0, ...pending.map((m) => m.version));
  if (current === Math.max(0, ...ddl.migrations.map((m) => m.version))) {
    for (const { table, timeColumn } of RETAINED_TABLES) {
      await store.command(ddl.setRetention, {
        table: ddl.storageTable(table),
        time_column: timeColumn,
        retention_days: options.retentionDays,
      });
    }
  }
  return { applied, current };
}
