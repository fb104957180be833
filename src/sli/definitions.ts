// Which SLIs an event feeds, and whether it is good for each: pure, one place for the
// definitions in docs/ARCHITECTURE.md ("SLIs"). Telemetry completeness is not here: it
// needs the emitter's sequence (completeness.ts).
import type { CanonicalEvent } from '../events/index.js';

export const RATIO_SLIS = [
  'auth_availability',
  'auth_success',
  'policy_engine_availability',
  'posture_compliance',
  'telemetry_completeness',
] as const;
export type RatioSli = (typeof RATIO_SLIS)[number];
export const LATENCY_SLIS = ['policy_eval_latency', 'gateway_request_latency'] as const;
export type LatencySli = (typeof LATENCY_SLIS)[number];
export type Sli = RatioSli | LatencySli;

/** The dimensions an SLI is broken down by (bounded by the label limiter). */
export interface SliDimensions {
  tenant: string;
  app?: string | undefined;
  idp?: string | undefined;
  source?: string | undefined;
  emitter?: string | undefined;
}

export interface RatioObservation {
  sli: RatioSli;
  good: boolean;
  dims: SliDimensions;
}

export function ratioObservations(event: CanonicalEvent): RatioObservation[] {
  switch (event.kind) {
    case 'auth': {
      const dims = { tenant: event.tenant, app: event.app, idp: event.idp ?? event.source };
      return [
        { sli: 'auth_availability', good: event.outcome !== 'error', dims },
        { sli: 'auth_success', good: event.outcome === 'success', dims },
      ];
    }
    case 'policy':
      return [
        {
          sli: 'policy_engine_availability',
          good: event.decision !== 'error',
          dims: { tenant: event.tenant, app: event.app, source: event.source },
        },
      ];
    case 'posture':
      return [{ sli: 'posture_compliance', good: event.compliant, dims: { tenant: event.tenant, source: event.source } }];
    case 'token':
      return [];
  }
}

export interface LatencyObservation {
  sli: LatencySli;
  seconds: number;
}

/**
 * The latencies a decision reports, by latency SLI: the policy engine's evaluation and the
 * enforcement point's answer to the request. An evaluation error counts against availability
 * instead, so it has no latency.
 */
export function latencyObservations(event: CanonicalEvent): LatencyObservation[] {
  if (event.kind !== 'policy' || event.decision === 'error') return [];
  const reported = [
    ['policy_eval_latency', event.eval_latency_ms],
    ['gateway_request_latency', event.request_latency_ms],
  ] as const;
  return reported.flatMap(([sli, ms]) => (ms === undefined ? [] : [{ sli, seconds: ms / 1000 }]));
}
