// Updates the SLI metrics from every stored batch.
import type { CanonicalEvent } from '../events/index.js';
import { LabelLimiter } from './labelLimiter.js';
import { CompletenessTracker, type CompletenessOptions } from './completeness.js';
import type { ZtnaMetrics } from '../metrics.js';
import { evalLatencySeconds, ratioObservations, type RatioSli, type SliDimensions } from './definitions.js';

export interface SliProcessorOptions extends CompletenessOptions {
  /** Distinct values kept per label before the rest become `otherLabel`. */
  labelCap: number;
  otherLabel?: string;
}

// A pipeline batch processor by shape (`process(events)`): sli sits below the pipeline and does not import it.
export class SliProcessor {
  private readonly limiter: LabelLimiter;
  private readonly completeness: CompletenessTracker;
  private readonly emitterTenant = new Map<string, string>();

  constructor(private readonly metrics: ZtnaMetrics, options: SliProcessorOptions) {
    this.limiter = new LabelLimiter(options.labelCap, options.otherLabel);
    this.completeness = new CompletenessTracker(options);
  }

  process(events: readonly CanonicalEvent[]): void {
    for (const event of events) {
      for (const o of ratioObservations(event)) this.count(o.sli, o.dims, o.good ? 1 : 0, 1);
      const latency = evalLatencySeconds(event);
      if (latency !== undefined) this.metrics.evalLatency.observe({ tenant: this.label('tenant', event.tenant), app: this.label('app', event.app) }, latency);
      if (event.kind === 'policy') this.metrics.policyDecisions.inc({ tenant: this.label('tenant', event.tenant), decision: event.decision });
      if (event.emitter_seq !== undefined) {
        this.emitterTenant.set(event.emitter_id, event.tenant);
        const seen = this.completeness.observe(event.emitter_id, event.emitter_seq, Date.parse(event.time));
        if (seen !== 'duplicate') this.count('telemetry_completeness', { tenant: event.tenant, emitter: event.emitter_id }, 1, 1);
      }
    }
    for (const [emitter, lost] of this.completeness.expire()) {
      this.count('telemetry_completeness', { tenant: this.emitterTenant.get(emitter) ?? '', emitter }, 0, lost);
    }
    for (const [emitter, open] of this.completeness.openGaps()) this.metrics.telemetryOpenGaps.set({ emitter: this.label('emitter', emitter) }, open);
  }

  private count(sli: RatioSli, dims: SliDimensions, good: number, valid: number): void {
    const labels = {
      sli,
      tenant: this.label('tenant', dims.tenant),
      app: this.label('app', dims.app),
      idp: this.label('idp', dims.idp),
      source: this.label('source', dims.source),
      emitter: this.label('emitter', dims.emitter),
    };
    this.metrics.sliValid.inc(labels, valid);
    // Touch the good series even at 0, so the ratio's numerator exists from the first event.
    this.metrics.sliGood.inc(labels, good);
  }

  private label(name: string, value: string | undefined): string {
    return this.limiter.limit(name, value);
  }
}
