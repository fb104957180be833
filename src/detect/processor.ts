// Runs the scorers on every stored batch and hands what they raise to the sinks
// (the anomalies table, the ztna.anomalies topic) and to the metrics.
import type { CanonicalEvent } from '../events/index.js';
import { forgetInAnomaly, type Anomaly, type PrincipalMatch } from './anomaly.js';
import type { CredentialStuffingScorer } from './credentialStuffing.js';
import type { DenialBurstScorer } from './denialBurst.js';
import type { ImpossibleTravelScorer } from './impossibleTravel.js';
import type { Incidents } from './incidents.js';
import type { KeyedSlots } from './keyedSlots.js';
import type { DetectMetrics } from './metrics.js';
import type { MfaFatigueScorer } from './mfaFatigue.js';
import type { NewContextScorer } from './newContext.js';
import type { ServiceCredentialScorer } from './serviceCredential.js';
import type { NoncompliantAccessScorer } from './noncompliantAccess.js';
import type { SessionHijackScorer } from './sessionHijack.js';
import type { TokenReplayScorer } from './tokenReplay.js';

export interface AnomalySink {
  publish(anomalies: readonly Anomaly[]): Promise<void>;
}

export interface Scorers {
  tokenReplay: TokenReplayScorer;
  denialBurst: DenialBurstScorer;
  credentialStuffing: CredentialStuffingScorer;
  mfaFatigue: MfaFatigueScorer;
  sessionHijack: SessionHijackScorer;
  impossibleTravel: ImpossibleTravelScorer;
  noncompliantAccess: NoncompliantAccessScorer;
  serviceCredential: ServiceCredentialScorer;
  newContext: NewContextScorer;
  /** What they raise, one incident per attack. */
  incidents: Incidents;
}

/** The scorers whose state is KeyedSlots, by the anomaly type each raises. */
export function slotScorers(scorers: Scorers): Array<[type: Anomaly['type'], keys: KeyedSlots]> {
  return [
    ['credential_stuffing', scorers.credentialStuffing.keys],
    ['mfa_fatigue', scorers.mfaFatigue.keys],
    ['session_hijack', scorers.sessionHijack.keys],
    ['impossible_travel', scorers.impossibleTravel.keys],
    ['noncompliant_access', scorers.noncompliantAccess.keys],
    ['secret_leak', scorers.serviceCredential.keys],
    ['new_context', scorers.newContext.keys],
  ];
}

/** Every scorer on one event, the credential's first (a replay's incident is the token's). */
export function observeAll(scorers: Scorers, event: CanonicalEvent): Anomaly[] {
  return [
    ...scorers.tokenReplay.observe(event),
    ...scorers.sessionHijack.observe(event),
    ...scorers.denialBurst.observe(event),
    ...scorers.credentialStuffing.observe(event),
    ...scorers.mfaFatigue.observe(event),
    ...scorers.impossibleTravel.observe(event),
    ...scorers.noncompliantAccess.observe(event),
    ...scorers.serviceCredential.observe(event),
    ...scorers.newContext.observe(event),
  ];
}

/**
 * A batch in event-time order (stable: events of one time keep their order, a record's related
 * events after it). A batch gathers whole partition chunks of several topics, so one topic's
 * records can come minutes, in a backlog an hour, ahead of another's: a principal's policy denials
 * ahead of the failed logins of the same minutes moved its burst window past them (issue 14).
 */
export function inTimeOrder(events: readonly CanonicalEvent[]): readonly CanonicalEvent[] {
  const times = events.map((e) => Date.parse(e.time));
  let ordered = true;
  for (let i = 1; i < times.length && ordered; i++) ordered = times[i - 1]! <= times[i]!;
  if (ordered) return events;
  const index = Array.from(events.keys()).sort((a, b) => times[a]! - times[b]! || a - b);
  return index.map((i) => events[i]!);
}

/** The scorers over a batch in event-time order, what they raise merged into incidents: pure apart from their own bounded state. */
export function score(scorers: Scorers, events: readonly CanonicalEvent[]): Anomaly[] {
  const found: Anomaly[] = [];
  for (const event of inTimeOrder(events)) found.push(...observeAll(scorers, event));
  return scorers.incidents.merge(found);
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
    return (
      this.scorers.tokenReplay.forgetPrincipal(matches) +
      this.scorers.denialBurst.forgetPrincipal(matches) +
      slotScorers(this.scorers).reduce((n, [, keys]) => n + keys.forgetPrincipal(matches), 0) +
      this.scorers.incidents.forgetPrincipal(matches)
    );
  }

  async process(events: readonly CanonicalEvent[]): Promise<void> {
    await this.publish(score(this.scorers, events));
  }

  /** Hands what the scorers raised to the sinks (and the metrics); kept for the next call while a sink refuses. */
  async publish(found: readonly Anomaly[]): Promise<void> {
    if (this.metrics) {
      this.metrics.scorerKeys.set({ scorer: 'token_replay' }, this.scorers.tokenReplay.size);
      this.metrics.scorerKeys.set({ scorer: 'denial_burst' }, this.scorers.denialBurst.size);
      for (const [type, keys] of slotScorers(this.scorers)) this.metrics.scorerKeys.set({ scorer: type }, keys.size);
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
