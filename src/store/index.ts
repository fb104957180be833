import { ChdbStore } from './chdb.js';
import { ClickHouseServerStore, type ClickHouseServerOptions } from './clickhouse.js';
import type { Store } from './store.js';

export * from './store.js';
export { migrate, migrationChecksum, RETAINED_TABLES } from './migrate.js';
export { namedQuery } from './sql.js';
export {
  anomalyRow,
  fromClickHouseTime,
  numberOrNull,
  rangeParams,
  rejectedRow,
  tableFor,
  EVENTS_TABLE,
  toClickHouseTime,
  ANOMALIES_TABLE,
  REJECTED_TABLE,
  type DeadLetterRow,
} from './rows.js';
export { ChdbStore, ClickHouseServerStore };

/** A ClickHouse server when its URL is given, else chDB under the data directory. */
export function openStore(options: { clickhouse?: ClickHouseServerOptions | undefined; dataDir: string }): Store {
  return options.clickhouse ? new ClickHouseServerStore(options.clickhouse) : new ChdbStore(options.dataDir);
}
