// The generated Grafana dashboards and the provisioning that loads them, by path.
import type { SloModel } from '../slo/model.js';
import { analystDashboard } from './analyst.js';
import { executiveDashboard } from './executive.js';
import { oncallDashboard } from './oncall.js';

export function dashboardFiles(slos: readonly SloModel[]): Record<string, string> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  return {
    'dashboards/ztna-executive.json': json(executiveDashboard(slos).build()),
    'dashboards/ztna-oncall.json': json(oncallDashboard(slos).build()),
    'dashboards/ztna-analyst.json': json(analystDashboard().build()),
  };
}
