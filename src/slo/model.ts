// The SLO spec resolved once (Sloth's spec → model → generators): every figure the rule and
// promtool-test generators and the dashboards read (window, burn factors and thresholds, minimum
// events, series) is derived here, so none of them re-derives it from the raw spec.
import { histogramBuckets, histogramCount, leBound, METRIC_NAMES } from '../conventions.js';
import type { LatencySli, Sli } from '../sli/definitions.js';
import { LATENCY_HISTOGRAMS } from '../sli/metrics.js';
import { BURN_TIERS, burnFactor, promDuration, round, WINDOW_SECONDS, type Severity } from './burnRate.js';
import { isLatencySli, minEventsOf, windowOf, type Slo, type SloSpec, type SloWindow } from './spec.js';

/** A window by its Prometheus name (the one recording rules carry: '1h', '30d') and its length. */
export interface Window<Name extends string = string> {
  name: Name;
  seconds: number;
}

export const promWindow = (seconds: number): Window => ({ name: promDuration(seconds), seconds });

export interface ResolvedBurnTier {
  severity: Severity;
  long: Window;
  short: Window;
  /** The burn rate it fires at: 14.4 for the 1 h page tier of a 30-day SLO. */
  factor: number;
  /** The error ratio it fires at: factor × error budget. */
  threshold: number;
}

export interface SloModel {
  name: string;
  sli: Sli;
  description: string;
  /** Percent of valid events that must be good (99.9). */
  objective: number;
  /** The objective as a ratio (0.999). */
  objectiveRatio: number;
  /** The share of valid events that may be bad (0.001). */
  errorBudget: number;
  window: Window<SloWindow>;
  /** The severities it alerts on, page first. */
  severities: readonly Severity[];
  /** The burn-rate tiers of those severities. */
  tiers: readonly ResolvedBurnTier[];
  /** Low-traffic guard: no alert unless the short window saw this many valid events. */
  minEvents: number;
  /** The labels its recordings and alerts are broken down by. */
  dimensions: readonly string[];
  /** A latency SLO's threshold: the histogram bucket its good events are under. */
  latencyThresholdSeconds?: number;
  /** The SLI's good and valid counters, as PromQL selectors. */
  series: { good: string; valid: string };
  runbookUrl: string;
  dashboardUrl: string;
}

const SEVERITIES: readonly Severity[] = ['page', 'ticket'];
const resolved = new WeakMap<SloSpec, readonly SloModel[]>();

/** Every SLO of the spec, resolved once per spec: later calls return the same model. */
export function resolveSlos(spec: SloSpec): readonly SloModel[] {
  const known = resolved.get(spec);
  if (known) return known;
  const slos = spec.slos.map((slo) => resolveSlo(spec, slo));
  resolved.set(spec, slos);
  return slos;
}

function resolveSlo(spec: SloSpec, slo: Slo): SloModel {
  const window = windowOf(spec, slo);
  const errorBudget = round(1 - slo.objective / 100);
  const severities = SEVERITIES.filter((severity) => slo.alerts[severity]);
  const tiers = BURN_TIERS.filter((tier) => severities.includes(tier.severity)).map((tier) => {
    const factor = burnFactor(tier, window);
    return {
      severity: tier.severity,
      long: promWindow(tier.longSeconds),
      short: promWindow(tier.shortSeconds),
      factor,
      threshold: round(factor * errorBudget),
    };
  });
  return {
    name: slo.name,
    sli: slo.sli,
    description: slo.description,
    objective: slo.objective,
    objectiveRatio: round(slo.objective / 100),
    errorBudget,
    window: { name: window, seconds: WINDOW_SECONDS[window] },
    severities,
    tiers,
    minEvents: minEventsOf(spec, slo),
    dimensions: slo.dimensions,
    ...(slo.latency_threshold_ms === undefined ? {} : { latencyThresholdSeconds: slo.latency_threshold_ms / 1000 }),
    series: sliSeries(slo),
    runbookUrl: slo.runbook_url,
    dashboardUrl: spec.dashboard_url,
  };
}

function sliSeries(slo: Slo): SloModel['series'] {
  if (isLatencySli(slo)) {
    // The spec gives every latency SLO its threshold, and the histogram a bucket there (commands/metrics.ts).
    const latency = latencyHistogram(slo.sli as LatencySli);
    return { good: `${histogramBuckets(latency)}{le="${leBound(slo.latency_threshold_ms! / 1000)}"}`, valid: histogramCount(latency) };
  }
  return { good: `${METRIC_NAMES.sliGood}{sli="${slo.sli}"}`, valid: `${METRIC_NAMES.sliValid}{sli="${slo.sli}"}` };
}

/** The SLO on an SLI, if there is one. */
export const findSlo = (slos: readonly SloModel[], sli: string): SloModel | undefined => slos.find((slo) => slo.sli === sli);

/** The histogram a latency SLI is measured by. */
export const latencyHistogram = (sli: LatencySli): string => METRIC_NAMES[LATENCY_HISTOGRAMS[sli]];
