// GET /api/v1/trails: the analyst's access trail. JSON pages with a keyset cursor, or the
// whole range streamed as NDJSON or CSV page by page, so an export never sits in memory.
import type { Store } from '../../store/index.js';
import { declareRoute } from '../route.js';
import { requestTenants } from '../tenancy.js';
import { exportFormat, sendExport } from './export.js';
import { trailEvents, trailPage } from './paging.js';
import { EXPORT_FORMATS, TrailPage, TrailsQuery } from './schema.js';

export const trailsRoute = (store: Store, exportPageSize: number) =>
  declareRoute({
    method: 'GET',
    url: '/api/v1/trails',
    roles: ['analyst'],
    summary: 'The access trail: auth, policy, posture and token events in time order, joined by session and correlation id',
    description:
      'Filters combine with AND; an empty filter matches anything. JSON answers a page and a cursor (keyset on time, kind, event_id: ' +
      'no row repeats or goes missing while events arrive). Accept: application/x-ndjson or text/csv (or format=ndjson|csv) streams ' +
      'the whole range instead, fetched page by page.',
    query: TrailsQuery,
    response: TrailPage,
    produces: Object.values(EXPORT_FORMATS),
    handler: async ({ query, req }, reply) => {
      const tenants = requestTenants(req, query.tenant);
      const format = exportFormat(query, req);
      return format
        ? sendExport(reply, query, format, trailEvents(store, query, tenants, exportPageSize))
        : trailPage(store, query, tenants);
    },
  });
