// The placeholders of the risk and incident queries (sql/queries/principal_risk.sql,
// incidents.sql) for panels: the rule's data as constants, any principal, the first page.
import { DEFAULT_RISK_RULE, levelRank, riskParams, type RiskLevel } from '../riskRule.js';
import { constant, constants, RANGE_AND_TENANT } from './queries.js';

const rule = DEFAULT_RISK_RULE;

/** The principals at `level` ('' any) over the rule's sliding window ending at the range's end. */
export function principalRiskFill(level: RiskLevel | '', limit: number) {
  const { levels, severity_names, severity_levels, weight_names, weight_values, escalate_at } = riskParams(rule);
  return {
    ...RANGE_AND_TENANT,
    from: `(${RANGE_AND_TENANT.to} - INTERVAL ${rule.windowSeconds} SECOND)`,
    levels: constants(levels),
    severity_names: constants(severity_names),
    severity_levels: constants(severity_levels),
    weight_names: constants(weight_names),
    weight_values: constants(weight_values),
    escalate_at: constant(escalate_at),
    principal: constant(''),
    level: constant(level === '' ? 0 : levelRank(level)),
    anomalies_per_principal: constant(5),
    limit: constant(limit),
    offset: constant(0),
  };
}

/** Incidents started in the dashboard's range, grouped by the rule's incident window. */
export const incidentsFill = (limit: number) => ({
  ...RANGE_AND_TENANT,
  window_ms: constant(rule.incidentWindowSeconds * 1000),
  state: constant(''),
  key: constant(''),
  incident: constant(''),
  limit: constant(limit),
  offset: constant(0),
});

/** The rule's windows, for panel titles and descriptions. */
export const RISK_WINDOW_HOURS = rule.windowSeconds / 3600;
export const INCIDENT_WINDOW_MINUTES = rule.incidentWindowSeconds / 60;
