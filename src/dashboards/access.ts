// The panels of over-privilege (the guide's F10) run the API's own queries
// (sql/queries/access_unused.sql, access_rare.sql, GET /api/v1/access/unused and /rare) with the
// API's defaults: unused for 30 days, rare below 5 % of a tenant of at least 20 principals.
import { constant, panelSql, RANGE_AND_TENANT } from './queries.js';

export const UNUSED_DAYS = 30;
const RARE_SHARE = 0.05;
const RARE_MIN_PRINCIPALS = 20;

const page = (limit: number) => ({ limit: constant(limit), offset: constant(0) });
const ms = (macro: string) => `toUnixTimestamp64Milli(${macro})`;
/** The unused window: the range's last 30 days, or its last half when the range is shorter. */
const RECENT_FROM = `fromUnixTimestamp64Milli(${ms(RANGE_AND_TENANT.to)} - least(toInt64(${UNUSED_DAYS * 86400_000}), intDiv(${ms(RANGE_AND_TENANT.to)} - ${ms(RANGE_AND_TENANT.from)}, 2)), 'UTC')`;

/** Access allowed in the range but not in its unused window, for principals still active elsewhere. */
export const unusedAccessSql = (limit = 200) =>
  panelSql({ query: 'access_unused' }, { ...RANGE_AND_TENANT, recent_from: RECENT_FROM, ...page(limit) });

/** Apps a principal reached that fewer than 5 % of their tenant's principals do. */
export const rareAccessSql = (limit = 200) =>
  panelSql(
    { query: 'access_rare' },
    { ...RANGE_AND_TENANT, max_share: constant(RARE_SHARE), min_principals: constant(RARE_MIN_PRINCIPALS), ...page(limit) },
  );

/** How many findings a query has: principal and app pairs. */
export const countSql = (sql: string) => `SELECT count() AS findings FROM (\n${sql})`;
