// Multiwindow, multi-burn-rate alerting (Google SRE workbook, ch. 5). The factors are
// derived from the share of the error budget each tier may burn, so a 7d or 28d SLO
// window keeps the same budget consumption as the classic 30d numbers (14.4, 6, 3, 1).
import type { SloWindow } from './spec.js';

export const WINDOW_SECONDS: Record<SloWindow, number> = { '7d': 7 * 86400, '28d': 28 * 86400, '30d': 30 * 86400 };

export type Severity = 'page' | 'ticket';

export interface BurnTier {
  severity: Severity;
  longSeconds: number;
  shortSeconds: number;
  /** Share of the whole error budget burned over the long window when the alert fires. */
  budgetShare: number;
}

export const BURN_TIERS: readonly BurnTier[] = [
  { severity: 'page', longSeconds: 3600, shortSeconds: 300, budgetShare: 0.02 },
  { severity: 'page', longSeconds: 6 * 3600, shortSeconds: 1800, budgetShare: 0.05 },
  { severity: 'ticket', longSeconds: 86400, shortSeconds: 2 * 3600, budgetShare: 0.1 },
  { severity: 'ticket', longSeconds: 3 * 86400, shortSeconds: 6 * 3600, budgetShare: 0.1 },
];

/** Every window an error ratio is recorded over. */
export const RECORDED_WINDOWS_SECONDS = [300, 1800, 3600, 2 * 3600, 6 * 3600, 86400, 3 * 86400];

/** The burn-rate factor of a tier: 14.4 for the 1 h page tier of a 30-day SLO. */
export function burnFactor(tier: BurnTier, window: SloWindow): number {
  return round((tier.budgetShare * WINDOW_SECONDS[window]) / tier.longSeconds);
}

/** How fast the budget burns: 1 = exactly used up at the end of the SLO window. */
export function burnRate(errorRatio: number, objectivePercent: number): number {
  return errorRatio / (1 - objectivePercent / 100);
}

/** Share of the error budget left over a window (negative when overspent). */
export function errorBudgetRemaining(good: number, valid: number, objectivePercent: number): number {
  if (valid === 0) return 1;
  const allowedBad = valid * (1 - objectivePercent / 100);
  return 1 - (valid - good) / allowedBad;
}

/** A Prometheus duration for a number of seconds: 3600 → "1h", 90 → "90s". */
export function promDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${Math.max(1, Math.round(seconds))}s`;
}

export const round = (n: number) => Number(n.toPrecision(6));
