// One page of a trail: a keyset query from a position on, and the walks built on it (the JSON
// page with its cursor, and every event of the range page by page for exports).
import type { z } from 'zod';
import { fromClickHouseTime, namedQuery, numberOrNull, rangeParams, toClickHouseTime, type Store } from '../../store/index.js';
import type { TenantParams } from '../tenancy.js';
import { encodeCursor, positionOf, type Position } from './cursor.js';
import { FILTER_NAMES, type TrailEvent, type TrailPage, type TrailsQuery } from './schema.js';

type RawRow = Omit<TrailEvent, 'related' | 'eval_latency_ms'> & { related: number | boolean; eval_latency_ms: number | string | null };

const trailEvent = (r: RawRow): TrailEvent => ({
  ...r,
  time: fromClickHouseTime(r.time),
  eval_latency_ms: numberOrNull(r.eval_latency_ms),
  related: Boolean(Number(r.related)),
});

/** Filters that pick a subject (not a result): with one of them, `related` has something to link. */
const SUBJECT_FILTERS = ['principal', 'device', 'app', 'session_id', 'token_id', 'src_ip'] as const;

const sameEvent = (a: Position | undefined, b: Position) =>
  a !== undefined && a.time === b.time && a.kind === b.kind && a.event_id === b.event_id;

/**
 * Up to `limit` events of the trail after the position (from the start without one). The store
 * may hold a redelivered event twice until a merge: the copies come next to each other in the
 * page order and one is kept. When copies shortened the page, the rest is fetched from after the
 * last row read, which skips every copy of it.
 */
async function fetchPage(
  store: Store,
  q: TrailsQuery,
  tenants: TenantParams,
  after: Position | undefined,
  limit: number,
): Promise<TrailEvent[]> {
  const sql = namedQuery((await linksAnything(store, q, tenants)) ? 'trail_related' : 'trail');
  const events: TrailEvent[] = [];
  for (let from = after; ;) {
    const rows = await store.query<RawRow>(sql, {
      ...rangeParams(q),
      ...Object.fromEntries(FILTER_NAMES.map((name) => [name, q[name]])),
      ...tenants,
      after_time: toClickHouseTime(from?.time ?? '1970-01-01T00:00:00.000Z'),
      after_kind: from?.kind ?? '',
      after_id: from?.event_id ?? '',
      limit,
    });
    for (const event of rows.map(trailEvent)) if (!sameEvent(events.at(-1), event)) events.push(event);
    if (rows.length < limit || events.length >= limit) return events.slice(0, limit);
    from = positionOf(trailEvent(rows.at(-1)!));
  }
}

/**
 * Whether the related events are asked for and can be there. A principal's own trail links only
 * events without a principal, which are rare: when the range holds none (one small look-up), its
 * trail is the plain one, read by the sort key alone (a third of the time at 1 M events).
 */
async function linksAnything(store: Store, q: TrailsQuery, tenants: TenantParams): Promise<boolean> {
  if (!q.related || !SUBJECT_FILTERS.some((name) => q[name] !== '')) return false;
  if (SUBJECT_FILTERS.some((name) => name !== 'principal' && q[name] !== '')) return true;
  const [answer] = await store.query<{ any: number | boolean }>(namedQuery('unattributed_in_range'), { ...rangeParams(q), ...tenants });
  return Boolean(Number(answer?.any ?? 0));
}

/** A page of `q.limit` events of the tenants given, and the cursor of the next one when there is more. */
export async function trailPage(store: Store, q: TrailsQuery, tenants: TenantParams): Promise<z.input<typeof TrailPage>> {
  const rows = await fetchPage(store, q, tenants, q.after, q.limit + 1);
  const events = rows.slice(0, q.limit);
  const last = events.at(-1);
  const range = { from: q.from.toISOString(), to: q.to.toISOString() };
  return { ...range, events, next_cursor: rows.length > q.limit && last ? encodeCursor(last, range, q.filters) : null };
}

/** Every event of the trail of the tenants given from the query's position on, fetched `pageSize` at a time. */
export async function* trailEvents(store: Store, q: TrailsQuery, tenants: TenantParams, pageSize: number): AsyncGenerator<TrailEvent> {
  let after = q.after;
  for (;;) {
    const page = await fetchPage(store, q, tenants, after, pageSize);
    yield* page;
    if (page.length < pageSize) return;
    after = positionOf(page.at(-1)!);
  }
}
