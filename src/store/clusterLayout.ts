// The replicated, sharded layout (sql/cluster/), generated from the single-node migrations by
// `ztna generate`, so the two cannot drift. Each table of sql/migrations becomes `<name>_local`
// (Replicated*MergeTree on every shard) and `<name>` (Distributed over the shards): the service's
// inserts and queries name `<name>` and stay the same SQL on both layouts. Materialized views
// run per shard, from one local table into another. Every DDL runs ON CLUSTER '{cluster}', and
// the engine paths use the `{shard}` and `{replica}` macros: the server's configuration names the
// cluster and the node, since a query parameter cannot stand in ON CLUSTER.
import { type Migration, migrations, namedQuery, sqlFile, statements } from './sql.js';
import type { Store } from './store.js';

export const STORE_LAYOUTS = ['single', 'cluster'] as const;
export type StoreLayout = (typeof STORE_LAYOUTS)[number];

export const CLUSTER_DIR = 'cluster';
const ON_CLUSTER = "ON CLUSTER '{cluster}'";
const LOCAL = '_local';
const REPLICA_PATH = "'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'";
// The ledger is small and every node must see all of it: one replica set over the whole
// cluster (no {shard} in the path), so a service replica reads it from whichever node it reaches.
const LEDGER_REPLICA_PATH = "'/clickhouse/tables/all/{database}/{table}', '{shard}-{replica}'";

/**
 * Where each table's rows go. A redelivered row collapses into one only on its own shard
 * (ReplacingMergeTree and AggregatingMergeTree merge within a part set), so a key may use only
 * columns of the table's sort key: the copies of a row always meet. Events go by tenant and
 * principal, so one principal's trail is on one shard (a principal filter reads one shard with
 * optimize_skip_unused_shards) and the rollups the views write from them per principal
 * (denial_minute, principal_hour) sit on the same shard as their events.
 */
export const SHARDING_KEYS: Readonly<Record<string, string>> = {
  auth_events: 'cityHash64(tenant, principal_id)',
  policy_events: 'cityHash64(tenant, principal_id)',
  posture_events: 'cityHash64(tenant, principal_id)',
  token_events: 'cityHash64(tenant, principal_id)',
  events: 'cityHash64(tenant, principal_id)',
  rejected_events: 'cityHash64(reject_id)',
  // Rollups are written by the views on the shard of each event, so a group's states are on
  // several shards and a query merges them (exact: they are sets). The key places only rows
  // inserted through the Distributed table, the migrations' backfills.
  sli_minute: 'cityHash64(sli, tenant, app)',
  // A minute's re-seals replace one another only on one shard: the key is of its sort key.
  sli_minute_sealed: 'cityHash64(sli, tenant, app)',
  emitter_minute: 'cityHash64(tenant, emitter_id)',
  denial_minute: 'cityHash64(tenant, principal_id)',
  denial_minute_sealed: 'cityHash64(tenant, principal_id)',
  principal_hour: 'cityHash64(tenant, principal_id)',
  // Written per event by its view, so a subject's runs sit on the shard of their events.
  subject_hour: 'cityHash64(tenant, principal_id)',
  long_lived_token_uses: 'cityHash64(tenant, token_id)',
  service_credentials: 'cityHash64(tenant, principal_id)',
  principal_app_day: 'cityHash64(tenant, principal_id)',
  anomalies: 'cityHash64(tenant, anomaly_id)',
  // A repeat or the resolution of a page replaces its row only on one shard: the key is of its id.
  alert_pages: 'cityHash64(tenant, page_id)',
};

const splitComments = (statement: string) => {
  const lines = statement.split('\n');
  const first = lines.findIndex((line) => line.trim() !== '' && !line.trim().startsWith('--'));
  return { comments: lines.slice(0, first).join('\n'), body: lines.slice(first).join('\n') };
};

/** Rewrites statements in migration order; knows which tables are sharded so far. */
class ClusterRewriter {
  private readonly sharded = new Set<string>();

  statement(statement: string): string[] {
    const { comments, body } = splitComments(statement);
    const out = this.body(body);
    return out.map((s, i) => (i === 0 && comments ? `${comments}\n${s}` : s));
  }

  /** The ledger: one copy on every node, not sharded. */
  ledger(statement: string): string {
    const { comments, body } = splitComments(statement);
    const m = /^CREATE TABLE IF NOT EXISTS (\w+)\n/.exec(body);
    if (!m) throw new Error(`cluster layout: the ledger is not a CREATE TABLE: ${body.slice(0, 60)}`);
    const created = replicatedEngine(body.replace(m[0], `CREATE TABLE IF NOT EXISTS ${m[1]} ${ON_CLUSTER}\n`), LEDGER_REPLICA_PATH);
    return comments ? `${comments}\n${created}` : created;
  }

  private local(table: string): string {
    return this.sharded.has(table) ? table + LOCAL : table;
  }

  private body(body: string): string[] {
    let m: RegExpExecArray | null;
    if ((m = /^CREATE TABLE IF NOT EXISTS (\w+)\n/.exec(body))) return this.createTable(m[1]!, body.slice(m[0].length));
    if ((m = /^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) TO (\w+) AS\n/.exec(body))) {
      // Per shard: the view reads the local table its shard is sent and writes the local rollup.
      // (ARRAY JOIN unfolds each row's own arrays: no other table, so it runs per shard as it is.)
      if (/(?<!\bARRAY )\bJOIN\b/.test(body)) throw new Error(`cluster layout: a view with a JOIN needs a rule: ${m[1]}`);
      const select = body.slice(m[0].length).replace(/\bFROM (\w+)\b/g, (_, t: string) => `FROM ${this.local(t)}`);
      return [`CREATE MATERIALIZED VIEW IF NOT EXISTS ${m[1]} ${ON_CLUSTER} TO ${this.local(m[2]!)} AS\n${select}`];
    }
    // Plain views read the Distributed tables: every shard, on whichever node is asked.
    if ((m = /^CREATE (OR REPLACE VIEW|VIEW IF NOT EXISTS) (\w+) AS\n/.exec(body)))
      return [`CREATE ${m[1]} ${m[2]} ${ON_CLUSTER} AS\n${body.slice(m[0].length)}`];
    if ((m = /^DROP (TABLE|VIEW) IF EXISTS (\w+)$/.exec(body))) {
      // SYNC: a table made again under the same name finds its Keeper path free at once.
      const drop = (name: string) => `DROP ${m![1]} IF EXISTS ${name} ${ON_CLUSTER} SYNC`;
      if (!this.sharded.delete(m[2]!)) return [drop(m[2]!)];
      return [drop(m[2]!), drop(m[2]! + LOCAL)];
    }
    if ((m = /^ALTER TABLE (\w+|\{\w+:Identifier\}) /.exec(body))) {
      const alter = (name: string) => `ALTER TABLE ${name} ${ON_CLUSTER} ${body.slice(m![0].length)}`;
      if (!this.sharded.has(m[1]!)) return [alter(m[1]!)];
      // A Distributed table declares the columns too; other alters (TTL, indexes) are the shards' own.
      const columns = /^(ADD|DROP|MODIFY|RENAME|COMMENT) COLUMN\b/.test(body.slice(m[0].length));
      return columns ? [alter(m[1]! + LOCAL), alter(m[1]!)] : [alter(m[1]! + LOCAL)];
    }
    // Backfills go through the Distributed tables: every shard's rows read, each written to its shard.
    if (/^INSERT INTO \w+\b/.test(body)) return [body];
    throw new Error(`cluster layout: no rule for this statement: ${body.slice(0, 60)}`);
  }

  private createTable(table: string, definition: string): string[] {
    const key = SHARDING_KEYS[table];
    if (!key) throw new Error(`cluster layout: choose a sharding key for ${table} in SHARDING_KEYS`);
    this.sharded.add(table);
    const local = table + LOCAL;
    return [
      replicatedEngine(`CREATE TABLE IF NOT EXISTS ${local} ${ON_CLUSTER}\n${definition}`, REPLICA_PATH),
      `CREATE TABLE IF NOT EXISTS ${table} ${ON_CLUSTER} AS ${local}\nENGINE = Distributed('{cluster}', currentDatabase(), ${local}, ${key})`,
    ];
  }
}

/** `ENGINE = XMergeTree[(args)]` → `ENGINE = ReplicatedXMergeTree(path, replica[, args])`. */
function replicatedEngine(statement: string, replicaPath: string): string {
  const engine = /^ENGINE = (\w*MergeTree)(?:\((.*)\))?$/m;
  const m = engine.exec(statement);
  if (!m) throw new Error(`cluster layout: only MergeTree-family tables can be replicated: ${statement.slice(0, 60)}`);
  const args = m[2] ? `${replicaPath}, ${m[2]}` : replicaPath;
  return statement.replace(engine, `ENGINE = Replicated${m[1]}(${args})`);
}

const header = (source: string) => `-- Generated by \`npx ztna generate\` from sql/${source}: do not edit by hand.\n`;
const file = (parts: string[]) => `${parts.join(';\n\n')};\n`;

/** The files of sql/cluster/, by path relative to sql/: the ledger, each migration, the retention statement. */
export function clusterLayoutFiles(): Record<string, string> {
  const rewriter = new ClusterRewriter();
  const files: Record<string, string> = {};
  files[`${CLUSTER_DIR}/schema_migrations.sql`] =
    header('schema_migrations.sql') + file(statements(sqlFile('schema_migrations.sql')).map((s) => rewriter.ledger(s)));
  for (const migration of migrations())
    files[`${CLUSTER_DIR}/${migration.name}.sql`] =
      header(`migrations/${migration.name}.sql`) + file(statements(migration.sql).flatMap((s) => rewriter.statement(s)));
  // Retention is re-applied to the local tables (a Distributed table has no TTL): migrate names them.
  files[`${CLUSTER_DIR}/set_retention.sql`] =
    header('queries/set_retention.sql') + file(statements(sqlFile('queries/set_retention.sql')).flatMap((s) => rewriter.statement(s)));
  return files;
}

/** What migrate applies for a layout: the ledger's DDL, the numbered migrations, the retention statement, and the table that holds the rows. */
export function layoutDdl(layout: StoreLayout): {
  ledger: string;
  migrations: Migration[];
  setRetention: string;
  storageTable: (table: string) => string;
} {
  if (layout === 'single')
    return {
      ledger: sqlFile('schema_migrations.sql'),
      migrations: migrations(),
      setRetention: sqlFile('queries/set_retention.sql'),
      storageTable: (t) => t,
    };
  return {
    ledger: sqlFile(`${CLUSTER_DIR}/schema_migrations.sql`),
    migrations: migrations(CLUSTER_DIR),
    setRetention: statements(sqlFile(`${CLUSTER_DIR}/set_retention.sql`))[0]!,
    storageTable: (t) => t + LOCAL,
  };
}

/**
 * ON CLUSTER runs a statement on the other nodes in their default database, not the session's:
 * ClickHouse qualifies the created table and currentDatabase() for them, but not the tables a
 * view reads, a materialized view writes, or `AS` copies. So the layout is applied only where
 * the session's database is the servers' default_database.
 */
export async function checkClusterDatabase(store: Pick<Store, 'query'>): Promise<void> {
  const [row] = await store.query<{ current: string; server_default: string }>(namedQuery('cluster_database'));
  if (row && row.current !== row.server_default)
    throw new Error(
      `the cluster layout must be applied in the servers' default database (default_database = ${row.server_default}), not ${row.current}: set CLICKHOUSE_DATABASE to it, or the servers' default_database to ${row.current}`,
    );
}
