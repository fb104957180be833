// The SLO spec (slos.yaml), validated once at load: a bad spec stops with the field.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { LATENCY_THRESHOLDS_MS } from '../conventions.js';
import { LATENCY_SLIS, RATIO_SLIS, type LatencySli, type Sli } from '../sli/definitions.js';

export const SLO_WINDOWS = ['7d', '28d', '30d'] as const;
export type SloWindow = (typeof SLO_WINDOWS)[number];

/** The dimensions each SLI's metrics carry (src/sli/processor.ts). */
export const SLI_DIMENSIONS: Record<Sli, readonly string[]> = {
  auth_availability: ['tenant', 'app', 'idp'],
  auth_success: ['tenant', 'app', 'idp'],
  policy_engine_availability: ['tenant', 'app', 'source'],
  posture_compliance: ['tenant', 'source'],
  telemetry_completeness: ['tenant', 'emitter'],
  policy_eval_latency: ['tenant', 'app'],
  gateway_request_latency: ['tenant', 'app'],
};

const Slo = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
  sli: z.enum([...RATIO_SLIS, ...LATENCY_SLIS]),
  objective: z.number().gt(0).lt(100).describe('percent of valid events that must be good'),
  window: z.enum(SLO_WINDOWS).optional(),
  description: z.string().min(1),
  dimensions: z.array(z.string()).default(['tenant']),
  runbook_url: z.url(),
  latency_threshold_ms: z.number().positive().optional(),
  min_events: z.number().int().nonnegative().optional(),
  alerts: z.object({ page: z.boolean().default(true), ticket: z.boolean().default(true) }).default({ page: true, ticket: true }),
});

export const SloSpec = z
  .object({
    version: z.literal(1),
    dashboard_url: z.url(),
    defaults: z
      .object({ window: z.enum(SLO_WINDOWS).default('30d'), min_events: z.number().int().nonnegative().default(20) })
      .default({ window: '30d', min_events: 20 }),
    slos: z.array(Slo).min(1),
  })
  .superRefine((spec, ctx) => {
    const names = new Set<string>();
    spec.slos.forEach((slo, i) => {
      if (names.has(slo.name)) ctx.addIssue({ code: 'custom', path: ['slos', i, 'name'], message: `duplicate SLO name ${slo.name}` });
      names.add(slo.name);
      const allowed = SLI_DIMENSIONS[slo.sli];
      slo.dimensions.forEach((d, j) => {
        if (!allowed.includes(d))
          ctx.addIssue({
            code: 'custom',
            path: ['slos', i, 'dimensions', j],
            message: `${slo.sli} has no dimension ${d} (it has ${allowed.join(', ')})`,
          });
      });
      const isLatency = isLatencySli(slo);
      if (isLatency && slo.latency_threshold_ms !== LATENCY_THRESHOLDS_MS[slo.sli]) {
        ctx.addIssue({
          code: 'custom',
          path: ['slos', i, 'latency_threshold_ms'],
          message: `must be ${LATENCY_THRESHOLDS_MS[slo.sli]} (the threshold of the latency histogram bucket and the ClickHouse rollup)`,
        });
      }
      if (!isLatency && slo.latency_threshold_ms !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['slos', i, 'latency_threshold_ms'], message: 'only latency SLIs have a threshold' });
      }
    });
  });

export type SloSpec = z.infer<typeof SloSpec>;
export type Slo = SloSpec['slos'][number];

export class SloSpecError extends Error {
  override name = 'SloSpecError';
}

export function parseSloSpec(text: string, source = 'SLO spec'): SloSpec {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new SloSpecError(`${source}: not valid YAML: ${(err as Error).message}`);
  }
  const result = SloSpec.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new SloSpecError(`${source} is invalid:\n${lines.join('\n')}`);
  }
  return result.data;
}

export function loadSloSpec(path: string): SloSpec {
  return parseSloSpec(readFileSync(path, 'utf8'), path);
}

export const windowOf = (spec: SloSpec, slo: Slo): SloWindow => slo.window ?? spec.defaults.window;
export const minEventsOf = (spec: SloSpec, slo: Slo): number => slo.min_events ?? spec.defaults.min_events;
export const isLatencySli = (slo: Slo): slo is Slo & { sli: LatencySli } => (LATENCY_SLIS as readonly string[]).includes(slo.sli);
