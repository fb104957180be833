// The ClickHouse queries the generated dashboards run, as Grafana would send them: generated from
// the current sql/ (not the committed JSON, which a schema change may leave behind until
// `ztna generate`), over each dashboard's default time span ending at a given instant, with the
// macros and template variables expanded the way Grafana and the ClickHouse plugin expand them.
import { dashboardFiles } from '../../src/dashboards/index.js';
import { resolveSlos } from '../../src/slo/model.js';
import { SPEC } from '../../test/support/api.js';
import {
  expandClickHouseMacros,
  expandVariables,
  queriesOf,
  type GrafanaDashboard,
  type VariableValue,
} from '../../test/support/dashboards.js';

export interface DashboardQuery {
  /** dashboard: panel (or $variable) */
  name: string;
  sql: string;
  /** The dashboard's default span, as Grafana writes it (now-24h). */
  span: string;
}

/** Points per panel Grafana's interval is derived from (about a panel's width in pixels). */
const POINTS = 1000;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

function spanMs(from: string, to: string): number {
  const m = /^now-(\d+)([mhdw])$/.exec(from);
  if (!m || to !== 'now') throw new Error(`a dashboard's default range ${from} to ${to} is not "now-<n><unit> to now"`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

export function dashboardQueries(end: Date, variables: Record<string, VariableValue>): DashboardQuery[] {
  return Object.values(dashboardFiles(resolveSlos(SPEC))).flatMap((json) => {
    const dashboard = JSON.parse(json) as GrafanaDashboard & { time: { from: string; to: string } };
    const span = spanMs(dashboard.time.from, dashboard.time.to);
    const range = { from: new Date(end.getTime() - span), to: end, intervalSeconds: Math.max(1, Math.round(span / 1000 / POINTS)) };
    return queriesOf(dashboard)
      .filter((q) => q.datasource === 'grafana-clickhouse-datasource')
      .map((q) => ({
        name: `${q.dashboard}: ${q.panel}`,
        sql: expandClickHouseMacros(expandVariables(q.text, variables), range),
        span: dashboard.time.from,
      }));
  });
}
