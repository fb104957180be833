// Detection quality against the simulator's ground truth: which anomalies match which
// injected scenario, precision per scorer, recall and time to detect per scenario.
import type { Anomaly, AnomalyType } from './anomaly.js';
import { SCORERS } from './scorers.js';
import { BURST_SCENARIOS, type ScenarioLabel, type ScenarioName } from '../simulate/scenarios.js';

/** Which scorer is expected to catch a scenario; the others are for the SLO alerts. */
export const SCORED_BY: Partial<Record<ScenarioName, AnomalyType>> = {
  'token-replay': 'token_replay',
  ...Object.fromEntries(BURST_SCENARIOS.map((s) => [s, 'denial_burst'])),
  'credential-stuffing': 'credential_stuffing',
  'mfa-fatigue': 'mfa_fatigue',
  'session-hijack': 'session_hijack',
  'impossible-travel': 'impossible_travel',
  'noncompliant-allowed': 'noncompliant_access',
  // Its reports fail EDR while the policy engine still allows the devices: a policy gap too.
  'posture-agent-bug': 'noncompliant_access',
  'new-device': 'new_context',
  'leaked-service-secret': 'secret_leak',
};

/** Signals, not alerts: low on their own, they raise other anomalies' scores (not counted as false alarms). */
const SIGNAL_TYPES: readonly AnomalyType[] = ['new_context'];

/** An anomaly raised this long after a scenario's end still belongs to it. */
const GRACE_MS = 5 * 60_000;

export interface ScenarioResult {
  scenario: ScenarioName;
  start: string;
  scorer: AnomalyType | null;
  detected: boolean;
  matched: number;
  /** Seconds from onset to the first matching anomaly. */
  timeToDetectSeconds: number | null;
  kinds: string[];
  /** For a misconfigured rollout: whether an anomaly names its policy and version. */
  attributed: boolean | null;
}

export interface Evaluation {
  scenarios: ScenarioResult[];
  byType: Record<AnomalyType, { truePositives: number; falsePositives: number; precision: number | null }>;
  /** Alerts (every type but the new-context signals) that match no scenario, per million baseline events. */
  falseAlarmsPerMillionBaseline: number;
  /** New-context signals that match no scenario, per million baseline events. */
  unlabeledSignalsPerMillionBaseline: number;
  /** The alerts counted as false, as last published: what a tuning session reads first. */
  falseAlarms: Anomaly[];
}

const asList = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Each anomaly as last published: a joined incident is published again under its id. */
export function latestById(anomalies: readonly Anomaly[]): Anomaly[] {
  return [...new Map(anomalies.map((a) => [a.anomaly_id, a])).values()];
}

/** What an anomaly stands for: itself, and the anomalies its incident took in. */
function facets(a: Anomaly): Array<Pick<Anomaly, 'type' | 'key' | 'time'> & { own: boolean }> {
  return [{ type: a.type, key: a.key, time: a.time, own: true }, ...(a.evidence.related ?? []).map((r) => ({ ...r, own: false }))];
}

export function matches(label: ScenarioLabel, a: Anomaly): boolean {
  return facets(a).some((f) => {
    const t = Date.parse(f.time);
    // A burst is timed at its minute's start, which may precede a scenario that starts within the minute.
    if (t < Math.floor(Date.parse(label.start) / 60_000) * 60_000 || t > Date.parse(label.end) + GRACE_MS) return false;
    if (SCORED_BY[label.scenario] !== f.type) return false;
    // An agent version's bug reaches every tenant's devices that run it; anything else is the label's tenant's.
    if (f.type === 'noncompliant_access' && f.own && label.keys.agent_version !== undefined)
      return a.evidence.baseline.agent_version === label.keys.agent_version;
    if (a.tenant !== label.tenant) return false;
    if (f.type === 'token_replay') return asList(label.keys.token_id).some((id) => f.key === `token:${id}`);
    if (f.type === 'session_hijack') return asList(label.keys.session_id).some((id) => f.key === `session:${id}`);
    if (f.type === 'noncompliant_access') return asList(label.keys.device).some((d) => f.key === `device:${d}`);
    const keys = [
      ...asList(label.keys.principal).map((p) => `principal:${p}`),
      ...asList(label.keys.src_net).map((n) => `src_net:${n}.0/24`),
      ...(label.keys.policy_id ? [`policy:${label.keys.policy_id}@${label.keys.policy_version}`] : []),
      ...asList(label.keys.app).map((app) => `app:${app}`),
      `tenant:${label.tenant}`,
    ];
    return keys.includes(f.key);
  });
}

/** The time the anomaly (or the part of it that matches) first said so. */
function firstMatchTime(label: ScenarioLabel, a: Anomaly): number {
  const own = matches(label, { ...a, evidence: { ...a.evidence, related: [] } });
  const related = (a.evidence.related ?? []).filter((r) => matches(label, { ...a, ...r, evidence: { ...a.evidence, related: [] } }));
  return Math.min(...(own ? [Date.parse(a.time)] : []), ...related.map((r) => Date.parse(r.time)));
}

export function evaluate(labels: readonly ScenarioLabel[], published: readonly Anomaly[], baselineEvents: number): Evaluation {
  const anomalies = latestById(published);
  const scenarios = labels.map((label): ScenarioResult => {
    const found = anomalies.filter((a) => matches(label, a));
    const first = found.length ? Math.min(...found.map((a) => firstMatchTime(label, a))) : undefined;
    return {
      scenario: label.scenario,
      start: label.start,
      scorer: SCORED_BY[label.scenario] ?? null,
      detected: found.length > 0,
      matched: found.length,
      timeToDetectSeconds: first === undefined ? null : (first - Date.parse(label.start)) / 1000,
      kinds: [...new Set(found.map((a) => a.kind))],
      attributed:
        label.scenario === 'policy-misconfig'
          ? found.some(
              (a) =>
                facets(a).some((f) => f.key === `policy:${label.keys.policy_id}@${label.keys.policy_version}`) &&
                a.kind === 'misconfigured-rollout',
            )
          : null,
    };
  });
  const byType = {} as Evaluation['byType'];
  const falseAlarms: Anomaly[] = [];
  let unlabeledSignals = 0;
  for (const type of Object.keys(SCORERS) as AnomalyType[]) {
    const ofType = anomalies.filter((a) => a.type === type);
    const unmatched = ofType.filter((a) => !labels.some((l) => matches(l, a)));
    const tp = ofType.length - unmatched.length;
    byType[type] = { truePositives: tp, falsePositives: unmatched.length, precision: ofType.length > 0 ? tp / ofType.length : null };
    if (SIGNAL_TYPES.includes(type)) unlabeledSignals += unmatched.length;
    else falseAlarms.push(...unmatched);
  }
  const perMillion = (n: number) => (baselineEvents > 0 ? (n / baselineEvents) * 1e6 : 0);
  return {
    scenarios,
    byType,
    falseAlarmsPerMillionBaseline: perMillion(falseAlarms.length),
    unlabeledSignalsPerMillionBaseline: perMillion(unlabeledSignals),
    falseAlarms,
  };
}
