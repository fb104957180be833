// Updates the SLI metrics from every stored batch.
import type { CanonicalEvent } from '../events/index.js';
import { LabelLimiter } from './labelLimiter.js';
import { CompletenessTracker, type CompletenessOptions } from './completeness.js';
import { EmitterHealth } from './emitterHealth.js';
import { SessionReevaluation, type ReevaluationOptions } from './reevaluation.js';
import { tokenLifetime } from './tokenLifetime.js';
import { LATENCY_HISTOGRAMS, SLI_LABELS, type SliMetrics } from './metrics.js';
import { latencyObservations, ratioObservations, type LatencySli, type RatioSli, type SliDimensions } from './definitions.js';

export interface SliProcessorOptions extends CompletenessOptions {
  /** Distinct values kept per label before the rest become `otherLabel`. */
  labelCap: number;
  otherLabel?: string;
  /**
   * One half only: with a keyed repartition, each replica counts the events it stores
   * ('counts') and telemetry completeness runs where the emitter's sequence is keyed to ('completeness').
   */
  only?: 'counts' | 'completeness';
  /** A use of a token older than this (seconds) is counted in ztna_token_uses_over_age_limit_total. */
  tokenAgeLimitSeconds?: number;
  /** Silent past this (ms) while its tenant's other emitters report, an emitter counts as stopped (ztna_emitter_silent). */
  emitterSilenceMs?: number;
  /** Sessions followed for their re-evaluation intervals: at most this many, forgotten after this long without one. */
  sessions?: ReevaluationOptions;
}

const DEFAULT_SESSIONS: ReevaluationOptions = { maxSessions: 200_000, idleMs: 86_400_000 };

// A pipeline batch processor by shape (`process(events)`): sli sits below the pipeline and does not import it.
export class SliProcessor {
  private readonly limiter: LabelLimiter;
  private readonly completeness: CompletenessTracker;
  private readonly emitterTenant = new Map<string, string>();
  private readonly counts: boolean;
  private readonly sequences: boolean;
  private readonly tokenAgeLimitSeconds: number;
  private readonly sessions: SessionReevaluation;
  private readonly emitters: EmitterHealth;

  constructor(
    private readonly metrics: SliMetrics,
    options: SliProcessorOptions,
  ) {
    this.limiter = new LabelLimiter(options.labelCap, options.otherLabel);
    this.completeness = new CompletenessTracker(options);
    this.counts = options.only !== 'completeness';
    this.sequences = options.only !== 'counts';
    this.tokenAgeLimitSeconds = options.tokenAgeLimitSeconds ?? Infinity;
    this.sessions = new SessionReevaluation(options.sessions ?? DEFAULT_SESSIONS);
    // Forgotten after a week of silence: decommissioned, not down.
    this.emitters = new EmitterHealth({ silenceMs: options.emitterSilenceMs ?? 300_000, forgetMs: 7 * 86_400_000 });
  }

  /** Counts a batch: tallied per label set first, then one increment per series (not one per event). */
  process(events: readonly CanonicalEvent[]): void {
    const tally = new BatchTally();
    for (const event of events) {
      if (this.counts) {
        for (const o of ratioObservations(event)) this.count(tally, o.sli, o.dims, o.good ? 1 : 0, 1);
        for (const { sli, seconds } of latencyObservations(event))
          tally.latency(sli, this.label('tenant', event.tenant), this.label('app', event.app), seconds);
        if (event.kind === 'policy') tally.decision(this.label('tenant', event.tenant), event.decision);
        const reevaluated = this.sessions.observe(event);
        if (reevaluated !== undefined) tally.reevaluation(this.label('tenant', event.tenant), reevaluated);
        const { ageSeconds, lifetimeSeconds } = tokenLifetime(event);
        if (event.kind === 'token' && (ageSeconds !== undefined || lifetimeSeconds !== undefined)) {
          const labels = {
            tenant: this.label('tenant', event.tenant),
            token_type: this.label('token_type', event.token_type),
            client: this.label('client', event.client_id),
          };
          tally.token(labels, ageSeconds, lifetimeSeconds, ageSeconds !== undefined && ageSeconds > this.tokenAgeLimitSeconds);
        }
      }
      if (this.sequences) this.emitters.seen(event.tenant, event.emitter_id, Date.parse(event.time));
      if (this.sequences && event.emitter_seq !== undefined) {
        this.emitterTenant.set(event.emitter_id, event.tenant);
        const seen = this.completeness.observe(event.emitter_id, event.emitter_seq, Date.parse(event.time));
        if (seen === 'restart') this.metrics.emitterRestarts.inc(this.emitterLabels(event.tenant, event.emitter_id));
        if (seen !== 'duplicate') this.count(tally, 'telemetry_completeness', { tenant: event.tenant, emitter: event.emitter_id }, 1, 1);
      }
    }
    for (const [emitter, lost] of this.completeness.expire()) {
      this.count(tally, 'telemetry_completeness', { tenant: this.emitterTenant.get(emitter) ?? '', emitter }, 0, lost);
    }
    tally.flush(this.metrics);
    for (const [emitter, open] of this.completeness.openGaps())
      this.metrics.telemetryOpenGaps.set({ emitter: this.label('emitter', emitter) }, open);
    if (this.sequences) this.reportEmitters();
  }

  private reportEmitters(): void {
    const { emitters, forgotten } = this.emitters.report();
    for (const e of emitters) {
      const labels = this.emitterLabels(e.tenant, e.emitter);
      this.metrics.emitterSilence.set(labels, e.silentSeconds);
      this.metrics.emitterSilent.set(labels, e.silent ? 1 : 0);
      // Touched at 0, so the first restart is an increase and not the series' birth.
      this.metrics.emitterRestarts.inc(labels, 0);
    }
    for (const e of forgotten) {
      const labels = this.emitterLabels(e.tenant, e.emitter);
      this.metrics.emitterSilence.remove(labels);
      this.metrics.emitterSilent.remove(labels);
      this.metrics.emitterRestarts.remove(labels);
    }
  }

  private emitterLabels(tenant: string, emitter: string) {
    return { tenant: this.label('tenant', tenant), emitter: this.label('emitter', emitter) };
  }

  private count(tally: BatchTally, sli: RatioSli, dims: SliDimensions, good: number, valid: number): void {
    tally.ratio(
      {
        sli,
        tenant: this.label('tenant', dims.tenant),
        app: this.label('app', dims.app),
        idp: this.label('idp', dims.idp),
        source: this.label('source', dims.source),
        emitter: this.label('emitter', dims.emitter),
      },
      good,
      valid,
    );
  }

  private label(name: string, value: string | undefined): string {
    return this.limiter.limit(name, value);
  }
}

type SliLabels = Record<(typeof SLI_LABELS)[number], string>;
type TokenLabels = { tenant: string; token_type: string; client: string };

/** One batch's SLI observations, summed per series so each series is incremented once. */
class BatchTally {
  private readonly ratios = new Map<string, { labels: SliLabels; good: number; valid: number }>();
  private readonly decisions = new Map<string, { tenant: string; decision: string; n: number }>();
  private readonly tokens = new Map<string, { labels: TokenLabels; ages: number[]; lifetimes: number[]; overLimit: number }>();
  private readonly reevaluations = new Map<string, number[]>();
  private readonly latencies = new Map<string, { sli: LatencySli; tenant: string; app: string; values: number[] }>();

  ratio(labels: SliLabels, good: number, valid: number): void {
    const key = SLI_LABELS.map((l) => labels[l]).join('\u0000');
    const seen = this.ratios.get(key);
    if (seen) {
      seen.good += good;
      seen.valid += valid;
    } else this.ratios.set(key, { labels, good, valid });
  }

  decision(tenant: string, decision: string): void {
    const key = `${tenant}\u0000${decision}`;
    const seen = this.decisions.get(key);
    if (seen) seen.n++;
    else this.decisions.set(key, { tenant, decision, n: 1 });
  }

  latency(sli: LatencySli, tenant: string, app: string, seconds: number): void {
    const key = `${sli}\u0000${tenant}\u0000${app}`;
    const seen = this.latencies.get(key);
    if (seen) seen.values.push(seconds);
    else this.latencies.set(key, { sli, tenant, app, values: [seconds] });
  }

  token(labels: TokenLabels, age: number | undefined, lifetime: number | undefined, overLimit: boolean): void {
    const key = `${labels.tenant}\u0000${labels.token_type}\u0000${labels.client}`;
    let seen = this.tokens.get(key);
    if (!seen) this.tokens.set(key, (seen = { labels, ages: [], lifetimes: [], overLimit: 0 }));
    if (age !== undefined) seen.ages.push(age);
    if (lifetime !== undefined) seen.lifetimes.push(lifetime);
    if (overLimit) seen.overLimit++;
  }

  reevaluation(tenant: string, seconds: number): void {
    const seen = this.reevaluations.get(tenant);
    if (seen) seen.push(seconds);
    else this.reevaluations.set(tenant, [seconds]);
  }

  flush(metrics: SliMetrics): void {
    for (const [tenant, intervals] of this.reevaluations) for (const s of intervals) metrics.sessionReevaluation.observe({ tenant }, s);
    for (const { labels, good, valid } of this.ratios.values()) {
      metrics.sliValid.inc(labels, valid);
      // Touch the good series even at 0, so the ratio's numerator exists from the first event.
      metrics.sliGood.inc(labels, good);
    }
    for (const { tenant, decision, n } of this.decisions.values()) metrics.policyDecisions.inc({ tenant, decision }, n);
    for (const { labels, ages, lifetimes, overLimit } of this.tokens.values()) {
      for (const age of ages) metrics.tokenAge.observe(labels, age);
      for (const lifetime of lifetimes) metrics.tokenLifetime.observe(labels, lifetime);
      // Touched at 0 too, so the share's numerator exists from the first use.
      if (ages.length > 0) metrics.tokenUsesOverAgeLimit.inc(labels, overLimit);
    }
    for (const { sli, tenant, app, values } of this.latencies.values()) {
      const labels = { tenant, app };
      const histogram = metrics[LATENCY_HISTOGRAMS[sli]];
      for (const v of values) histogram.observe(labels, v);
    }
  }
}
