// Every ClickHouse feature the SQL in sql/ uses is on the maintained list with its release
// (src/doctor/clickhouseFeatures.ts), and every listed one is still used: the oldest supported
// server line, the newest of those releases, is then what the SQL needs, no more and no less.
// A new function, type, setting, parameter type, engine, codec, index type or clause fails here
// until it is listed with the release that introduced it.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLICKHOUSE_FEATURES, FLOOR_FEATURE, OLDEST_CLICKHOUSE, type FeatureKind } from '../../src/doctor/clickhouseFeatures.js';
import { compareVersions } from '../../src/doctor/versions.js';
import { ROOT } from '../support/helpers.js';

interface Use {
  kinds: readonly FeatureKind[];
  name: string;
}

/** Syntax every SQL dialect has, never a ClickHouse feature: skipped where a call would be. */
const SQL_WORDS = new Set('AND AS BY EXISTS FROM IF IN INTO JOIN KEY NOT ON OR OVER SELECT SETS USING VALUES WHERE WITH'.split(' '));
/** The ClickHouse clauses the scan recognizes (a clause outside this list goes unseen: add it here when one is used). */
const CLAUSES: Record<string, RegExp> = {
  FINAL: /\bFINAL\b/,
  ARRAY_JOIN: /\bARRAY\s+JOIN\b/,
  ASOF_JOIN: /\bASOF\b/,
  LIMIT_BY: /\bLIMIT\s+[^\s,]+(?:\s*,\s*\S+)?\s+BY\b/,
  WITH_FILL: /\bWITH\s+FILL\b/,
  TTL: /\bTTL\b/,
  ALIAS: /\bALIAS\b/,
  EPHEMERAL: /\bEPHEMERAL\b/,
  MATERIALIZED_VIEW_TO: /\bMATERIALIZED\s+VIEW\b/,
  REFRESH: /\bREFRESH\s+(?:EVERY|AFTER)\b/,
  OVER: /\bOVER\s*\(/,
  QUALIFY: /\bQUALIFY\b/,
  PREWHERE: /\bPREWHERE\b/,
  SAMPLE: /\bSAMPLE\s+\d/,
  GROUPING_SETS: /\bGROUPING\s+SETS\b/,
  INTERPOLATE: /\bINTERPOLATE\b/,
  PROJECTION: /\bPROJECTION\b/,
  LIGHTWEIGHT_DELETE: /^\s*DELETE\s+FROM\b/m,
  LIGHTWEIGHT_UPDATE: /^\s*UPDATE\s+\w+\s+SET\b/m,
  PASTE_JOIN: /\bPASTE\s+JOIN\b/,
  PARALLEL_WITH: /\bPARALLEL\s+WITH\b/,
  PARAMETERIZED_VIEW: /\bFROM\s+\w+\s*\(\s*\w+\s*=/,
};

/** The feature-bearing tokens of some SQL: what the engine must know to run it. */
export function featureUses(sql: string): Use[] {
  const uses: Use[] = [];
  const use = (kinds: readonly FeatureKind[], name: string) => uses.push({ kinds, name });
  let text = sql.replace(/--[^\n]*/g, '');
  // Parameter types, then the parameters out of the way: {from:DateTime64(3, 'UTC')}.
  for (const m of text.matchAll(/\{\w+:([^{}]+)\}/g))
    for (const t of m[1]!.replace(/'[^']*'/g, '').matchAll(/\b[A-Z]\w*/g)) use(['parameter type'], t[0]);
  text = text.replace(/\{\w+:[^{}]+\}/g, '?').replace(/'(?:[^'\\]|\\.)*'/g, "''");
  for (const m of text.matchAll(/\bSETTINGS\b([^;]*)/g)) for (const s of m[1]!.matchAll(/(\w+)\s*=/g)) use(['setting'], s[1]!);
  for (const m of text.matchAll(/\bCODEC\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)/g))
    for (const codec of m[1]!.split(',')) use(['codec'], codec.trim().replace(/\(.*$/s, ''));
  for (const m of text.matchAll(/\bENGINE\s*=\s*(\w+)/g)) use(['engine'], m[1]!);
  for (const m of text.matchAll(/\bTYPE\s+(\w+)/g)) use(['index'], m[1]!);
  for (const [clause, pattern] of Object.entries(CLAUSES)) if (pattern.test(text)) use(['clause'], clause);
  // Calls: functions, parametric types, codecs and index types; not a table's column list, nor a
  // parameterized view's arguments (FROM view(name = value), the clause above).
  for (const m of text.matchAll(/(\b(?:TABLE|EXISTS|INTO|CODEC|TYPE)\s+|\bFROM\s+(?=\w+\s*\(\s*\w+\s*=))?\b([A-Za-z_]\w*)\s*\(/g))
    if (!m[1] && !SQL_WORDS.has(m[2]!) && m[2] !== 'CODEC') use(['function', 'type', 'codec', 'index', 'engine'], m[2]!);
  // Types named without arguments (String, UInt64, Bool): capitalized words with a lower-case letter.
  for (const m of text.matchAll(/\b[A-Z]\w*[a-z]\w*\b(?!\s*\()/g)) use(['type', 'engine', 'codec'], m[0]);
  return uses;
}

const listed = (u: Use) => CLICKHOUSE_FEATURES.find((f) => f.name === u.name && u.kinds.includes(f.kind));

const sqlFiles = ['migrations', 'queries', 'dashboards', 'erase', 'cluster']
  .flatMap((dir) => readdirSync(join(ROOT, 'sql', dir)).map((f) => join('sql', dir, f)))
  .concat('sql/schema_migrations.sql')
  .filter((f) => f.endsWith('.sql'));

describe('the ClickHouse features the SQL relies on', () => {
  const uses = sqlFiles.flatMap((file) => featureUses(readFileSync(join(ROOT, file), 'utf8')).map((u) => ({ ...u, file })));

  it('scans every SQL file', () => {
    expect(sqlFiles.length).toBeGreaterThanOrEqual(28);
    expect(uses.length).toBeGreaterThan(500);
  });

  it('are all on the list', () => {
    const unlisted = [...new Set(uses.filter((u) => !listed(u)).map((u) => `${u.file}: ${u.kinds[0]} ${u.name}`))];
    expect(unlisted).toEqual([]);
  });

  it('list nothing the SQL no longer uses (it would hold the oldest supported line up)', () => {
    const used = new Set(uses.map(listed));
    expect(CLICKHOUSE_FEATURES.filter((f) => !used.has(f)).map((f) => `${f.kind} ${f.name}`)).toEqual([]);
  });

  it('set the oldest supported line: the newest release any of them needs', () => {
    expect(CLICKHOUSE_FEATURES.every((f) => compareVersions(f.since, OLDEST_CLICKHOUSE) <= 0)).toBe(true);
    expect(FLOOR_FEATURE.name).toBe('query_plan_max_limit_for_lazy_materialization');
    expect(OLDEST_CLICKHOUSE).toBe('25.4');
  });

  it('catch a new dependency: a function, a setting, a type, a clause and a parameter type nobody listed', () => {
    const planted = `SELECT arrayFold((acc, x) -> acc + x, {xs:Array(Dynamic)}, 0) AS s FROM t
      WHERE x = 1 QUALIFY s > 1 SETTINGS allow_experimental_dynamic_type = 1`;
    const unlisted = featureUses(planted)
      .filter((u) => !listed(u))
      .map((u) => u.name);
    expect(new Set(unlisted)).toEqual(new Set(['arrayFold', 'Dynamic', 'QUALIFY', 'allow_experimental_dynamic_type']));
  });
});
