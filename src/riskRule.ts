// The rule that turns the scorers' anomalies into a risk level per principal, and the window
// that groups them into incidents. Data, not code: a new anomaly kind needs no change here
// unless it should weigh other than 1, and the SQL (sql/queries/principal_risk.sql,
// incidents.sql) takes all of it as bound parameters.

/** Lowest first. */
export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export interface RiskRule {
  /** The level an anomaly of each severity sets on its own. */
  severityLevels: Readonly<Record<string, RiskLevel>>;
  /**
   * Weight of an anomaly kind or type (its kind's, else its type's, else 1). 0 leaves it out of a
   * principal's risk (deployment-wide kinds); below 1 is low-signal: it never sets the level, it
   * only adds its weight towards `escalateAt` next to an anomaly of full weight.
   */
  weights: Readonly<Record<string, number>>;
  /** The level goes one step up when the weights of a principal's anomalies add up to this. */
  escalateAt: number;
  /** The sliding window a level is computed over unless a request says otherwise. */
  windowSeconds: number;
  /** Anomalies of one tenant and key this close together are one incident; this long without one closes it. */
  incidentWindowSeconds: number;
}

export const DEFAULT_RISK_RULE: RiskRule = {
  severityLevels: { low: 'low', medium: 'medium', high: 'high', critical: 'high' },
  weights: {
    // A principal's new device or new country (kinds new-device, new-country).
    new_context: 0.5,
    // Bursts on a policy, an app or a whole tenant are about the deployment, not the principals
    // their evidence happens to name.
    'misconfigured-rollout': 0,
    'policy-denial-surge': 0,
    'app-denial-surge': 0,
    'tenant-denial-surge': 0,
  },
  // One full-weight anomaly with a second anomaly of any kind (even a low-signal one) next to it.
  escalateAt: 1.5,
  windowSeconds: 86400,
  incidentWindowSeconds: 3600,
};

/** The rule as principal_risk.sql's bound parameters. */
export function riskParams(rule: RiskRule) {
  const severities = Object.entries(rule.severityLevels);
  const weights = Object.entries(rule.weights);
  return {
    levels: [...RISK_LEVELS],
    severity_names: severities.map(([s]) => s),
    severity_levels: severities.map(([, level]) => level),
    weight_names: weights.map(([name]) => name),
    // Strings: the store binds arrays of strings; the SQL reads them with toFloat64.
    weight_values: weights.map(([, w]) => String(w)),
    escalate_at: rule.escalateAt,
  };
}

/** A level's rank in principal_risk.sql (1 = low), and back. */
export const levelRank = (level: RiskLevel) => RISK_LEVELS.indexOf(level) + 1;
export const levelOfRank = (rank: number): RiskLevel => RISK_LEVELS[rank - 1]!;
