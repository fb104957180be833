// GET /api/v1/sessions/:id: one session's timeline, each event with its device's posture at
// that moment, so an analyst sees what the policy engine knew when it decided.
import { z } from 'zod';
import { fromClickHouseTime, namedQuery, numberOrNull, rangeParams, type Store } from '../store/index.js';
import { timeRange } from './range.js';
import { apiError } from './errors.js';
import { declareRoute } from './route.js';
import { requestTenants, TenantQuery, type TenantParams } from './tenancy.js';
import { TrailEvent } from './trails/schema.js';

/** A session longer than this many events is cut, and says so. */
export const MAX_SESSION_EVENTS = 5000;

export const SessionQuery = timeRange({ tenant: TenantQuery }, 30 * 86400_000);
export const SessionParams = z.object({ id: z.string().min(1).max(256) });

const Posture = z
  .object({
    time: z.string(),
    compliant: z.boolean(),
    failed_checks: z.array(z.string()),
    score: z.number().nullable(),
  })
  .nullable()
  .describe("the device's latest posture report at or before the event; null when none is known");

const SessionEvent = TrailEvent.omit({ session_id: true, related: true, user_agent: true, compliant: true, failed_checks: true }).extend({
  posture: Posture,
});

export const SessionTimeline = z.object({
  session_id: z.string(),
  tenants: z.array(z.string()),
  principals: z.array(z.string()),
  devices: z.array(z.string()),
  start: z.string(),
  end: z.string(),
  truncated: z.boolean().describe(`true when the session has more than ${MAX_SESSION_EVENTS} events in the range`),
  events: z.array(SessionEvent),
});

type Row = Omit<z.input<typeof SessionEvent>, 'posture' | 'eval_latency_ms'> & {
  eval_latency_ms: number | string | null;
  posture_time: string | null;
  posture_compliant: boolean | null;
  posture_failed_checks: string[];
  posture_score: number | string | null;
};

const distinct = (values: string[]) => [...new Set(values.filter(Boolean))];

export async function sessionTimeline(
  store: Store,
  id: string,
  q: z.output<typeof SessionQuery>,
  tenants: TenantParams,
): Promise<z.input<typeof SessionTimeline> | undefined> {
  const rows = await store.query<Row>(namedQuery('session_timeline'), {
    session_id: id,
    ...rangeParams(q),
    ...tenants,
    limit: MAX_SESSION_EVENTS + 1,
  });
  if (rows.length === 0) return undefined;
  const events = rows
    .slice(0, MAX_SESSION_EVENTS)
    .map(({ posture_time, posture_compliant, posture_failed_checks, posture_score, ...e }) => ({
      ...e,
      time: fromClickHouseTime(e.time),
      eval_latency_ms: numberOrNull(e.eval_latency_ms),
      posture:
        posture_time === null || posture_compliant === null
          ? null
          : {
              time: fromClickHouseTime(posture_time),
              compliant: posture_compliant,
              failed_checks: posture_failed_checks,
              score: numberOrNull(posture_score),
            },
    }));
  return {
    session_id: id,
    tenants: distinct(events.map((e) => e.tenant)),
    principals: distinct(events.map((e) => e.principal_id)),
    devices: distinct(events.map((e) => e.device_id)),
    start: events[0]!.time,
    end: events.at(-1)!.time,
    truncated: rows.length > MAX_SESSION_EVENTS,
    events,
  };
}

export const sessionRoute = (store: Store) =>
  declareRoute({
    method: 'GET',
    url: '/api/v1/sessions/:id',
    roles: ['analyst'],
    summary: "One session's timeline in time order, each event with the device's posture at that moment",
    description: 'Looks in the last 30 days unless from and to say otherwise (90 days at most).',
    params: SessionParams,
    query: SessionQuery,
    response: SessionTimeline,
    errors: {
      not_found: "no event of this session in the range, among the tenants the credential may read (another tenant's session is not found)",
    },
    handler: async ({ params, query, req }) => {
      const timeline = await sessionTimeline(store, params.id, query, requestTenants(req, query.tenant));
      if (!timeline)
        throw apiError('not_found', `no event of session ${params.id} between ${query.from.toISOString()} and ${query.to.toISOString()}`);
      return timeline;
    },
  });
