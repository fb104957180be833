// Shared dashboard pieces: panel placement on Grafana's 24-column grid, links between the
// three dashboards (executive → on-call → analyst), and the tenant picker.
import {
  DashboardLinkBuilder,
  DashboardLinkType,
  QueryVariableBuilder,
  VariableRefresh,
  type DashboardBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import { findSlo, type SloModel } from '../slo/model.js';

export const DASHBOARDS = {
  executive: { uid: 'ztna-executive', title: 'ztna executive', slug: 'ztna-executive' },
  oncall: { uid: 'ztna-oncall', title: 'ztna on-call', slug: 'ztna-on-call' },
  analyst: { uid: 'ztna-analyst', title: 'ztna analyst', slug: 'ztna-analyst' },
} as const;
export type DashboardName = keyof typeof DASHBOARDS;

/** An SLI's objective as a ratio, for thresholds (99 % when the spec has no SLO on it). */
export const objectiveRatio = (slos: readonly SloModel[], sli: string) => findSlo(slos, sli)?.objectiveRatio ?? 0.99;

/** A relative link to another dashboard, keeping the time range and the tenant. */
export const dashboardUrl = (name: DashboardName, vars = '') =>
  `/d/${DASHBOARDS[name].uid}/${DASHBOARDS[name].slug}?\${__url_time_range}&\${tenant:queryparam}${vars}`;

export function linkTo(name: DashboardName, tooltip: string) {
  return new DashboardLinkBuilder(DASHBOARDS[name].title)
    .type(DashboardLinkType.Link)
    .url(`/d/${DASHBOARDS[name].uid}/${DASHBOARDS[name].slug}`)
    .tooltip(tooltip)
    .keepTime(true)
    .includeVars(true)
    .icon('dashboard');
}

export function tenantVariable(datasource: DataSourceRef, query: string) {
  return (
    new QueryVariableBuilder('tenant')
      .label('Tenant')
      .datasource(datasource)
      .query(query)
      .definition(query)
      .includeAll(true)
      // Grafana inserts a custom all value as is, unformatted: a regex for Prometheus, and for
      // ClickHouse the SQL literal '' that the queries read as "every tenant".
      .allValue(datasource.type === 'prometheus' ? '.*' : "''")
      .refresh(VariableRefresh.OnTimeRangeChanged)
      .current({ text: 'All', value: '$__all' })
  );
}

/** Places panels left to right in rows of 24 columns: [width, height, panel][] per row. */
export function grid(
  dashboard: DashboardBuilder,
  rows: Array<Array<[number, number, cog.Builder<unknown> & { gridPos(p: { x: number; y: number; w: number; h: number }): unknown }]>>,
): DashboardBuilder {
  let y = 0;
  for (const row of rows) {
    let x = 0;
    for (const [w, h, panel] of row) {
      panel.gridPos({ x, y, w, h });
      dashboard.withPanel(panel as never);
      x += w;
    }
    y += Math.max(...row.map(([, h]) => h));
  }
  return dashboard;
}
