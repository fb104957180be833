// The example ClickHouse users and row policies per tenant (deploy/clickhouse/tenants.example.sql):
// every statement parses on the real engine, every table with a tenant column has a policy, each
// policy's condition reads its tenant's rows only, odd names are quoted, and what chDB does when
// asked to apply them (it cannot: see the last test).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedFiles, TENANT_USERS_SPEC } from '../../src/commands/generate.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import { statements } from '../../src/store/sql.js';
import type { Store } from '../../src/store/index.js';
import { loadTenantUsersSpec, TENANT_TABLES, TENANT_VIEWS, tenantStatements } from '../../src/store/tenantUsers.js';
import { ROOT, tempDir } from '../support/helpers.js';
import { nativeRecords, pipelineOptions } from '../support/pipeline.js';
import { migratedStore } from '../support/store.js';

const EXAMPLE = readFileSync(join(ROOT, 'deploy', 'clickhouse', 'tenants.example.sql'), 'utf8');
const spec = loadTenantUsersSpec(join(ROOT, TENANT_USERS_SPEC));
/** A row policy's condition, as the server would evaluate it on each row. */
const conditionOf = (statement: string) => /^CREATE ROW POLICY .* FOR SELECT USING (.+) TO `/.exec(statement)?.[1];

describe('ClickHouse users and row policies per tenant', () => {
  let store: Store | undefined;
  const formatted = async (statement: string) =>
    (await store!.query<{ f: string }>('SELECT formatQuery({statement:String}) AS f', { statement }))[0]!.f;
  beforeAll(async () => {
    store = await migratedStore(tempDir('tenant-users'));
    const pipeline = new IngestPipeline(store, pipelineOptions());
    const stored = await pipeline.processBatch([...nativeRecords('auth', 4, 'acme'), ...nativeRecords('auth', 3, 'globex', 4)]);
    expect(stored.normalized).toBe(7);
  });
  afterAll(() => store?.close());

  it('is one of the files `ztna generate --check` holds current, made from the spec', () => {
    expect(generatedFiles(ROOT)['deploy/clickhouse/tenants.example.sql']).toBe(EXAMPLE);
    expect(EXAMPLE).toContain('-- globex: globex_grafana reads globex');
  });

  it('every statement of the example parses on the engine (formatQuery, the statement a bound parameter)', async () => {
    const all = statements(EXAMPLE);
    // Per tenant: the role, a grant per table and view, the row policy, the user, the role granted to the user.
    expect(spec.tenants).toHaveLength(2);
    expect(all).toHaveLength(spec.tenants.length * (TENANT_TABLES.length + TENANT_VIEWS.length + 4));
    for (const statement of all) expect(await formatted(statement)).toMatch(/^(CREATE (ROLE|ROW POLICY|USER)|GRANT) /);
  });

  it('puts a row policy on every table and view with a tenant column', async () => {
    const rows = await store!.query<{ table: string }>(
      `SELECT c.table AS table FROM system.columns AS c JOIN system.tables AS t ON t.database = c.database AND t.name = c.table
       WHERE c.database = currentDatabase() AND c.name = 'tenant' AND t.engine != 'MaterializedView' ORDER BY table`,
    );
    expect(rows.map((r) => r.table)).toEqual([...TENANT_TABLES].sort());
    for (const t of spec.tenants) {
      const policy = tenantStatements(spec.database, t).find((s) => s.startsWith('CREATE ROW POLICY'))!;
      for (const table of TENANT_TABLES) expect(policy).toContain(`\`${spec.database}\`.\`${table}\``);
    }
  });

  it("each policy's condition reads its tenant's rows only, on every table", async () => {
    const condition = conditionOf(tenantStatements('default', spec.tenants[0]!).find((s) => s.startsWith('CREATE ROW POLICY'))!);
    expect(condition).toBe("tenant = 'acme'");
    const counts: Record<string, { n: number; others: number }> = {};
    for (const table of TENANT_TABLES) {
      const [row] = await store!.query<{ n: string; others: string }>(
        `SELECT count() AS n, countIf(tenant != 'acme') AS others FROM {table:Identifier} WHERE ${condition}`,
        { table },
      );
      counts[table] = { n: Number(row!.n), others: Number(row!.others) };
    }
    expect(Object.values(counts).every((c) => c.others === 0)).toBe(true);
    expect(counts.events).toEqual({ n: 4, others: 0 });
    expect(counts.access_events).toEqual({ n: 4, others: 0 });
    expect(counts.principal_hour).toEqual({ n: 4, others: 0 });
  });

  it('quotes names and values: a tenant with quotes, a backtick and a backslash stays one name and one value', async () => {
    const tenant = "o'brien`s \\ co";
    const all = tenantStatements('default', { tenant });
    for (const statement of all) await formatted(statement);
    const condition = conditionOf(all.find((s) => s.startsWith('CREATE ROW POLICY'))!)!;
    const [value] = await store!.query<{ v: string }>(`SELECT ${condition.replace(/^tenant = /, '')} AS v`);
    expect(value!.v).toBe(tenant);
    expect(await formatted(all[0]!)).toBe(`CREATE ROLE IF NOT EXISTS \`ztna_tenant_o'brien\\\`s \\\\ co\``);
  });

  it('chDB applies none of them: it refuses access statements, and with access management it has nowhere to keep users', async () => {
    // Embedded, the engine's default user has no access management.
    await expect(store!.command(statements(EXAMPLE)[0]!)).rejects.toThrow(/ACCESS_DENIED/);
    await store!.close();
    store = undefined;
    // Granted it by a users.xml, chDB (clickhouse-local) keeps no writable access storage: a role or a
    // user cannot be created. The example's password placeholder is refused before that, as a server refuses it.
    const dir = tempDir('tenant-users-access');
    mkdirSync(join(dir, 'data'));
    writeFileSync(
      join(dir, 'users.xml'),
      '<clickhouse><users><default><password></password><networks><ip>::/0</ip></networks><profile>default</profile>' +
        '<quota>default</quota><access_management>1</access_management></default></users><profiles><default/></profiles>' +
        '<quotas><default/></quotas></clickhouse>',
    );
    writeFileSync(
      join(dir, 'config.xml'),
      `<clickhouse><user_directories><users_xml><path>${join(dir, 'users.xml')}</path></users_xml></user_directories></clickhouse>`,
    );
    const session = new Session(join(dir, 'data'), { connectionArgs: [`--config-file=${join(dir, 'config.xml')}`] });
    try {
      const run = (sql: string) => session.queryAsync(sql, { format: 'TSV' });
      const example = statements(EXAMPLE);
      await expect(run(example.find((s) => s.startsWith('CREATE USER'))!)).rejects.toThrow(/Cannot read password hash in hex/);
      await expect(run(example[0]!)).rejects.toThrow(/ACCESS_STORAGE_FOR_INSERTION_NOT_FOUND/);
      const withPassword = tenantStatements('default', { tenant: 'acme', password_sha256: 'ab'.repeat(32) });
      await expect(run(withPassword.find((s) => s.startsWith('CREATE USER'))!)).rejects.toThrow(/ACCESS_STORAGE_FOR_INSERTION_NOT_FOUND/);
    } finally {
      session.close();
    }
  });
});
