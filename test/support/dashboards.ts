// The committed dashboards as the tests see them: every query of every panel and template
// variable, and Grafana's expansion of macros and variables, done the way Grafana and the
// grafana-clickhouse-datasource plugin (pkg/macros) do it, so the SQL and PromQL under test
// are the text those would send.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { METRIC_NAMES } from '../../src/conventions.js';
import { ROOT } from './helpers.js';

export interface PanelQuery {
  dashboard: string;
  panel: string;
  datasource: 'prometheus' | 'grafana-clickhouse-datasource';
  /** PromQL or SQL, before expansion. */
  text: string;
  /** A template variable's query rather than a panel's. */
  variable?: string;
}

interface GrafanaPanel {
  title: string;
  panels?: GrafanaPanel[];
  targets?: Array<{ datasource: { type: PanelQuery['datasource'] }; expr?: string; rawSql?: string }>;
}

/** A dashboard's JSON model, as far as its queries go. */
export interface GrafanaDashboard {
  uid: string;
  panels: GrafanaPanel[];
  templating: { list: Array<{ name: string; query: string; datasource: { type: PanelQuery['datasource'] } }> };
}

/** Every query of a dashboard's panels (nested ones too) and template variables. */
export function queriesOf(dashboard: GrafanaDashboard): PanelQuery[] {
  const queries: PanelQuery[] = [];
  const visit = (panel: GrafanaPanel) => {
    for (const t of panel.targets ?? [])
      queries.push({ dashboard: dashboard.uid, panel: panel.title, datasource: t.datasource.type, text: t.expr ?? t.rawSql ?? '' });
    panel.panels?.forEach(visit);
  };
  dashboard.panels.forEach(visit);
  for (const v of dashboard.templating.list)
    queries.push({ dashboard: dashboard.uid, panel: `$${v.name}`, variable: v.name, datasource: v.datasource.type, text: v.query });
  return queries;
}

/** Every query of the committed dashboards. */
export function dashboardQueries(): PanelQuery[] {
  return readdirSync(join(ROOT, 'dashboards'))
    .filter((f) => f.endsWith('.json'))
    .flatMap((file) => queriesOf(JSON.parse(readFileSync(join(ROOT, 'dashboards', file), 'utf8')) as GrafanaDashboard));
}

/** A variable's value: one value, or All (Grafana then inserts the custom all value unformatted). */
export type VariableValue = { value: string } | { all: string };

/** Grafana's variable interpolation: ${name:sqlstring}, ${name:regex}, ${name} and $name. */
export function expandVariables(text: string, variables: Record<string, VariableValue>): string {
  return text.replace(
    /\$\{(\w+)(?::(\w+))?\}|\$(\w+)/g,
    (whole, braced: string | undefined, format: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare!;
      if (name.startsWith('__')) return whole;
      const v = variables[name];
      if (!v) throw new Error(`variable $${name} has no value in the test`);
      if ('all' in v) return v.all;
      if (format === 'sqlstring') return `'${v.value.replaceAll("'", "''")}'`;
      if (format === 'regex') return v.value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      return v.value;
    },
  );
}

/** The ClickHouse plugin's macros for a time range and interval (pkg/macros/macros.go). */
export function expandClickHouseMacros(sql: string, range: { from: Date; to: Date; intervalSeconds: number }): string {
  const s = (d: Date) => Math.floor(d.getTime() / 1000);
  const dateTime = (d: Date) => `toDateTime(${s(d)})`;
  const dateTime64 = (d: Date) => `fromUnixTimestamp64Milli(${d.getTime()})`;
  return sql
    .replace(/\$__timeFilter_ms\(([^)]+)\)/g, (_, c: string) => `${c} >= ${dateTime64(range.from)} AND ${c} <= ${dateTime64(range.to)}`)
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_, c: string) => `${c} >= ${dateTime(range.from)} AND ${c} <= ${dateTime(range.to)}`)
    .replace(
      /\$__timeInterval\(([^)]+)\)/g,
      (_, c: string) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${Math.max(1, range.intervalSeconds)} second)`,
    )
    .replaceAll('$__fromTime_ms', dateTime64(range.from))
    .replaceAll('$__toTime_ms', dateTime64(range.to))
    .replaceAll('$__fromTime', dateTime(range.from))
    .replaceAll('$__toTime', dateTime(range.to))
    .replaceAll('$__interval_s', String(Math.max(1, range.intervalSeconds)));
}

/** Panels whose metrics exist only while consuming Kafka: checked by the Kafka end-to-end test. */
export const KAFKA_ONLY = new RegExp(METRIC_NAMES.consumerLag);

/**
 * Grafana's $__rate_interval for a scrape interval: max(4 × scrape, interval + scrape). A stat over
 * the dashboard's range ($__range) reads the same window here: the test asks only that it has data.
 */
export const expandPromQL = (expr: string, variables: Record<string, VariableValue>, rateInterval: string) =>
  expandVariables(expr, variables).replaceAll('$__rate_interval', rateInterval).replaceAll('$__range', rateInterval);
