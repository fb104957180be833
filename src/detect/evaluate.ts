// Detection quality against the simulator's ground truth: which anomalies match which
// injected scenario, precision per scorer, recall and time to detect per scenario.
import type { Anomaly, AnomalyType } from './anomaly.js';
import { BURST_SCENARIOS, type ScenarioLabel, type ScenarioName } from '../simulate/scenarios.js';

/** Which scorer is expected to catch a scenario; the others are for the SLO alerts. */
export const SCORED_BY: Partial<Record<ScenarioName, AnomalyType>> = {
  'token-replay': 'token_replay',
  ...Object.fromEntries(BURST_SCENARIOS.map((s) => [s, 'denial_burst'])),
};

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
  falseAlarmsPerMillionBaseline: number;
}

const asList = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function matches(label: ScenarioLabel, a: Anomaly): boolean {
  const t = Date.parse(a.time);
  // A burst is timed at its minute's start, which may precede a scenario that starts within the minute.
  if (t < Math.floor(Date.parse(label.start) / 60_000) * 60_000 || t > Date.parse(label.end) + GRACE_MS) return false;
  if (SCORED_BY[label.scenario] !== a.type || a.tenant !== label.tenant) return false;
  if (a.type === 'token_replay') return asList(label.keys.token_id).some((id) => a.key === `token:${id}`);
  const keys = [
    ...asList(label.keys.principal).map((p) => `principal:${p}`),
    ...asList(label.keys.src_net).map((n) => `src_net:${n}.0/24`),
    ...(label.keys.policy_id ? [`policy:${label.keys.policy_id}@${label.keys.policy_version}`] : []),
    ...asList(label.keys.app).map((app) => `app:${app}`),
    `tenant:${label.tenant}`,
  ];
  return keys.includes(a.key);
}

export function evaluate(labels: readonly ScenarioLabel[], anomalies: readonly Anomaly[], baselineEvents: number): Evaluation {
  const scenarios = labels.map((label): ScenarioResult => {
    const found = anomalies.filter((a) => matches(label, a)).sort((a, b) => a.time.localeCompare(b.time));
    const first = found[0];
    return {
      scenario: label.scenario,
      start: label.start,
      scorer: SCORED_BY[label.scenario] ?? null,
      detected: found.length > 0,
      matched: found.length,
      timeToDetectSeconds: first ? (Date.parse(first.time) - Date.parse(label.start)) / 1000 : null,
      kinds: [...new Set(found.map((a) => a.kind))],
      attributed:
        label.scenario === 'policy-misconfig'
          ? found.some((a) => a.kind === 'misconfigured-rollout' && a.key === `policy:${label.keys.policy_id}@${label.keys.policy_version}`)
          : null,
    };
  });
  const byType = {} as Evaluation['byType'];
  let falsePositives = 0;
  for (const type of ['token_replay', 'denial_burst'] as const) {
    const ofType = anomalies.filter((a) => a.type === type);
    const tp = ofType.filter((a) => labels.some((l) => matches(l, a))).length;
    byType[type] = { truePositives: tp, falsePositives: ofType.length - tp, precision: ofType.length > 0 ? tp / ofType.length : null };
    falsePositives += ofType.length - tp;
  }
  return { scenarios, byType, falseAlarmsPerMillionBaseline: baselineEvents > 0 ? (falsePositives / baselineEvents) * 1e6 : 0 };
}
