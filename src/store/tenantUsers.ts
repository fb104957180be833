// ClickHouse users for direct SQL and Grafana, one read-only analyst per tenant: a role per tenant
// with SELECT on the tables that have a tenant column and a row policy on each that lets it see
// its tenant's rows only, and a user holding that role. Generated from a small spec
// (deploy/clickhouse/tenants.example.yaml) by `ztna generate`, for an operator to run on the
// server with clickhouse-client. Access statements take no query parameters, so every name and
// value here is quoted by the rules of ClickHouse's lexer instead.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * Every table or view with a `tenant` column that an analyst reads: each gets a row policy.
 * `test/unit/tenant-users.test.ts` checks this against the migrated schema, so a table added
 * with a tenant column cannot be left without one. Not here: `rejected_events` (a record that
 * could not be read has no tenant, and may hold any tenant's data) and `schema_migrations`.
 */
export const TENANT_TABLES = [
  'events',
  'access_events',
  'anomalies',
  'alert_pages',
  'sli_minute',
  'sli_minute_sealed',
  'emitter_minute',
  'denial_minute',
  'denial_minute_sealed',
  'principal_hour',
  'subject_hour',
  'long_lived_token_uses',
  'service_credentials',
  'principal_app_day',
] as const;

/**
 * Parameterized views that read the tables above as the caller (SQL SECURITY INVOKER, the
 * default), so the tables' row policies apply to them: a grant each, no policy of their own.
 */
export const TENANT_VIEWS = ['sli_minute_counts', 'denial_minute_counts'] as const;

const name = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\p{L}\p{N}._@-]+$/u, 'letters, digits and ._@- only');

export const TenantUsersSpec = z
  .object({
    /** The database the service's tables are in (CLICKHOUSE_DATABASE). */
    database: name,
    tenants: z
      .array(
        z
          .object({
            tenant: z.string().min(1).max(128),
            /** The analyst's user name; `analyst_<tenant>` when left out. */
            user: name.optional(),
            /** SHA-256 (hex) of the analyst's password; left out, a placeholder the server refuses until it is set. */
            password_sha256: z
              .string()
              .regex(/^[0-9a-f]{64}$/i)
              .optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
export type TenantUsersSpec = z.infer<typeof TenantUsersSpec>;

export function loadTenantUsersSpec(path: string): TenantUsersSpec {
  return TenantUsersSpec.parse(parse(readFileSync(path, 'utf8')));
}

/** A quoted identifier: backticks, a backtick or backslash escaped by a backslash. */
export const sqlIdentifier = (id: string) => `\`${id.replace(/[\\`]/g, '\\$&')}\``;
/** A string literal: single quotes, a quote or backslash escaped by a backslash. */
export const sqlString = (text: string) => `'${text.replace(/[\\']/g, '\\$&')}'`;

/** Not hex: the server refuses `sha256_hash` with it ("Cannot read password hash in hex"), so the example cannot create a user without a password. */
export const PASSWORD_PLACEHOLDER = 'set me: echo -n PASSWORD | sha256sum';

export const roleOf = (tenant: string) => `ztna_tenant_${tenant}`;
export const userOf = (t: TenantUsersSpec['tenants'][number]) => t.user ?? `analyst_${t.tenant}`;

/** The statements for one tenant, in the order they must run. */
export function tenantStatements(database: string, t: TenantUsersSpec['tenants'][number]): string[] {
  const role = sqlIdentifier(roleOf(t.tenant));
  const user = sqlIdentifier(userOf(t));
  const tables = TENANT_TABLES.map((table) => `${sqlIdentifier(database)}.${sqlIdentifier(table)}`);
  return [
    `CREATE ROLE IF NOT EXISTS ${role}`,
    ...[...tables, ...TENANT_VIEWS.map((view) => `${sqlIdentifier(database)}.${sqlIdentifier(view)}`)].map(
      (table) => `GRANT SELECT ON ${table} TO ${role}`,
    ),
    `CREATE ROW POLICY IF NOT EXISTS ${role} ON ${tables.join(', ')} FOR SELECT USING tenant = ${sqlString(t.tenant)} TO ${role}`,
    `CREATE USER IF NOT EXISTS ${user} IDENTIFIED WITH sha256_hash BY ${sqlString(t.password_sha256 ?? PASSWORD_PLACEHOLDER)}` +
      ` DEFAULT DATABASE ${sqlIdentifier(database)} SETTINGS readonly = 1`,
    `GRANT ${role} TO ${user}`,
  ];
}

/** The whole file: a header naming the spec it came from, then each tenant's statements, each ending with `;` and a newline. */
export function tenantUsersSql(spec: TenantUsersSpec, specPath: string): string {
  const header = [
    `-- ClickHouse users for direct SQL and Grafana: a read-only analyst per tenant (README: "Direct SQL and Grafana per tenant").`,
    `-- Generated from ${specPath} (src/store/tenantUsers.ts): do not edit by hand. Run as a user with access management:`,
    `--   clickhouse-client --multiquery < this file`,
    '',
  ].join('\n');
  const sections = spec.tenants.map(
    (t) =>
      `-- ${t.tenant}: ${userOf(t)} reads ${t.tenant}'s rows only.\n` +
      tenantStatements(spec.database, t)
        .map((s) => `${s};\n`)
        .join(''),
  );
  return [header, ...sections].join('\n');
}
