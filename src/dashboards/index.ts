// The generated Grafana dashboards and the provisioning that loads them, by path.
import type { SloModel } from '../slo/model.js';
import { analystDashboard } from './analyst.js';
import { executiveDashboard } from './executive.js';
import { oncallDashboard } from './oncall.js';
import { dashboardRequires, GRAFANA_SCHEMA_VERSION } from './versions.js';

/** A built dashboard with the Grafana and plugin versions it targets declared. */
const declared = (dashboard: object) => ({ __requires: dashboardRequires(dashboard), ...dashboard, schemaVersion: GRAFANA_SCHEMA_VERSION });

export function dashboardFiles(slos: readonly SloModel[]): Record<string, string> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  return {
    'dashboards/ztna-executive.json': json(declared(executiveDashboard(slos).build())),
    'dashboards/ztna-oncall.json': json(declared(oncallDashboard(slos).build())),
    'dashboards/ztna-analyst.json': json(declared(analystDashboard().build())),
  };
}
