// Runs the scorers on every stored batch and hands what they raise to the sinks
// (the anomalies table, the ztna.anomalies topic) and to the metrics.
import type { CanonicalEvent } from '../events/index.js';
import { forgetInAnomaly, type Anomaly, type PrincipalMatch } from './anomaly.js';
import type { DenialBurstScorer } from './denialBurst.js';
import type { DetectMetrics } from './metrics.js';
import type { TokenReplayScorer } from './tokenReplay.js';

export interface AnomalySink {
  publish(anomalies: readonly Anomaly[]): Promise<void>;
}

export interface Scorers {
  tokenReplay: TokenReplayScorer;
  denialBurst: DenialBurstScorer;
}

/** The scorers over events in order: pure apart from their own bounded state. */
export function score(scorers: Scorers, events: readonly CanonicalEvent[]): Anomaly[] {
  const found: Anomaly[] = [];
  for (const event of events) found.push(...scorers.tokenReplay.observe(event), ...scorers.denialBurst.observe(event));
  return found;
}

/** Anomalies kept for the next batch while the sinks refuse them; the oldest go first past this. */
const MAX_UNPUBLISHED = 100_000;

/**
 * Scores each stored batch once. What it raises is published to the sinks; anomalies a sink
 * refuses (a busy store, a broker away) are kept and published with the next batch, never by
 * scoring the events again: the batch itself is stored, and a scorer's state must see each
 * event once. The sinks are idempotent on anomaly_id (the table collapses repeats; the topic is
 * at least once).
 */
export class AnomalyProcessor {
  private unpublished: Anomaly[] = [];

  constructor(
    readonly scorers: Scorers,
    private readonly sinks: readonly AnomalySink[],
    private readonly metrics?: DetectMetrics,
    private readonly onPublishError: (err: unknown, waiting: number) => void = () => {},
  ) {}

  /**
   * Forgets a principal (`ztna forget`, through the control topic): the scorers' state of them,
   * and their part of the anomalies still waiting to be published. How many scorer keys went.
   */
  forgetPrincipal(matches: PrincipalMatch): number {
    this.unpublished = this.unpublished.flatMap((a) => forgetInAnomaly(a, matches) ?? []);
    return this.scorers.tokenReplay.forgetPrincipal(matches) + this.scorers.denialBurst.forgetPrincipal(matches);
  }

  async process(events: readonly CanonicalEvent[]): Promise<void> {
    await this.publish(score(this.scorers, events));
  }

  /** Hands what the scorers raised to the sinks (and the metrics); kept for the next call while a sink refuses. */
  async publish(found: readonly Anomaly[]): Promise<void> {
    if (this.metrics) {
      this.metrics.scorerKeys.set({ scorer: 'token_replay' }, this.scorers.tokenReplay.size);
      this.metrics.scorerKeys.set({ scorer: 'denial_burst' }, this.scorers.denialBurst.size);
      for (const a of found) this.metrics.anomalies.inc({ type: a.type, kind: a.kind, severity: a.severity });
    }
    // Unpublished until every sink has them: a principal forgotten meanwhile is cut from this list, not from a copy.
    this.unpublished = this.unpublished.concat(found);
    const pending = this.unpublished;
    if (pending.length === 0) return;
    try {
      await Promise.all(this.sinks.map((sink) => sink.publish(pending)));
      this.unpublished = [];
    } catch (err) {
      this.unpublished = this.unpublished.slice(-MAX_UNPUBLISHED);
      this.onPublishError(err, this.unpublished.length);
    }
  }
}
