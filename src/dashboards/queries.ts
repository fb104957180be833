// Panel queries. ClickHouse panels take their SQL from sql/ — the API's named queries and
// sql/dashboards/ — with each `{name:Type}` placeholder filled at generation time by a
// Grafana macro ($__fromTime_ms, …), a template variable (${tenant:sqlstring}) or a constant,
// so a dashboard and the API it mirrors run the same statement.
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder as PrometheusQuery } from '@grafana/grafana-foundation-sdk/prometheus';
import { ERROR_BUDGET_REMAINING_RECORD } from '../conventions.js';
import { namedQuery, sqlFile } from '../store/sql.js';

export const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: 'ztna-prometheus' };
export const CLICKHOUSE: DataSourceRef = { type: 'grafana-clickhouse-datasource', uid: 'ztna-clickhouse' };

/**
 * The placeholders every ClickHouse panel shares: the dashboard's time range and tenant, also as
 * the API's tenant predicate (src/api/tenancy.ts): every tenant for All (''), else the one picked.
 */
export const RANGE_AND_TENANT = {
  from: '$__fromTime_ms',
  to: '$__toTime_ms',
  tenant: '${tenant:sqlstring}',
  tenants: '[${tenant:sqlstring}]',
  all_tenants: "${tenant:sqlstring} = ''",
};

/** A constant as a ClickHouse string literal (our own constants only: never user input). */
const literal = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A constant for a placeholder: a literal where it is a value, an identifier where it is an `Identifier`. */
export const constant = (value: string | number) => ({ constant: String(value) });
/** An array of string constants for an `Array(String)` placeholder. */
export const constants = (values: readonly string[]) => ({ constants: values });
type Fill = string | { constant: string } | { constants: readonly string[] };

function render(fill: Fill, type: string): string {
  if (typeof fill === 'string') return fill;
  if ('constants' in fill) return `[${fill.constants.map(literal).join(', ')}]`;
  if (type === 'Identifier') {
    if (!/^\w+$/.test(fill.constant)) throw new Error(`not an identifier: ${fill.constant}`);
    return fill.constant;
  }
  return /^(U?Int\d+|Float\d+)$/.test(type) ? String(Number(fill.constant)) : literal(fill.constant);
}

/**
 * The SQL of sql/queries/NAME.sql or sql/dashboards/NAME.sql with every `{name:Type}` filled:
 * a string is SQL text (a macro, a variable, an expression), `constant(…)` a value.
 */
export function panelSql(source: { query: string } | { dashboard: string }, fill: Record<string, Fill>): string {
  const sql = 'query' in source ? namedQuery(source.query) : sqlFile(`dashboards/${source.dashboard}.sql`);
  const missing = new Set<string>();
  const filled = sql.replace(/\{(\w+):([^}]+)\}/g, (_, name: string, type: string) => {
    const value = fill[name];
    if (value === undefined) {
      missing.add(name);
      return '';
    }
    return render(value, type.trim());
  });
  if (missing.size > 0) throw new Error(`${JSON.stringify(source)}: no value for ${[...missing].join(', ')}`);
  return filled;
}

/** A query in the grafana-clickhouse-datasource plugin's format (raw SQL editor). */
class ClickHouseQuery implements cog.Builder<cog.Dataquery> {
  constructor(private readonly query: Record<string, unknown>) {}
  build(): cog.Dataquery {
    return { ...this.query, _implementsDataqueryVariant() {} } as cog.Dataquery;
  }
}

export const clickhouse = (rawSql: string, format: 'table' | 'timeseries' = 'table', refId = 'A') =>
  new ClickHouseQuery({ refId, datasource: CLICKHOUSE, editorType: 'sql', queryType: format, format: format === 'table' ? 1 : 0, rawSql });

export const prometheus = (expr: string, legend = '', refId = 'A', instant = false) => {
  const q = new PrometheusQuery().expr(expr).refId(refId).datasource(PROMETHEUS);
  if (legend) q.legendFormat(legend);
  return instant ? q.instant() : q.range();
};

/** Each SLO's error budget left over its own window (its worst series), whatever that window is. */
export const errorBudgetRemaining = (matchers = '') => `min by (slo) (${ERROR_BUDGET_REMAINING_RECORD}${matchers})`;
