// Runs the scorers on every stored batch and hands what they raise to the sinks
// (the anomalies table, the ztna.anomalies topic) and to the metrics.
import type { CanonicalEvent } from '../events/index.js';
import type { Anomaly } from './anomaly.js';
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

export class AnomalyProcessor {
  constructor(
    readonly scorers: Scorers,
    private readonly sinks: readonly AnomalySink[],
    private readonly metrics?: DetectMetrics,
  ) {}

  async process(events: readonly CanonicalEvent[]): Promise<void> {
    const found = score(this.scorers, events);
    if (this.metrics) {
      this.metrics.scorerKeys.set({ scorer: 'token_replay' }, this.scorers.tokenReplay.size);
      this.metrics.scorerKeys.set({ scorer: 'denial_burst' }, this.scorers.denialBurst.size);
      for (const a of found) this.metrics.anomalies.inc({ type: a.type, kind: a.kind, severity: a.severity });
    }
    if (found.length > 0) await Promise.all(this.sinks.map((sink) => sink.publish(found)));
  }
}
