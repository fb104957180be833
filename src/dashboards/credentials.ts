// The panels of service credential rotation (the guide's M7) run the API's own query
// (sql/queries/service_credentials.sql), against the default rotation policy: a generated
// dashboard cannot read the service's ZTNA_CREDENTIAL_MAX_AGE_DAYS, and says which age it counts.
import { DEFAULT_CREDENTIAL_MAX_AGE_DAYS } from '../conventions.js';
import { constant, panelSql, RANGE_AND_TENANT } from './queries.js';

export const CREDENTIAL_POLICY_TEXT = `${DEFAULT_CREDENTIAL_MAX_AGE_DAYS} days (the default ZTNA_CREDENTIAL_MAX_AGE_DAYS)`;

const credentials = (overdue: boolean, limit: number) =>
  panelSql(
    { query: 'service_credentials' },
    {
      ...RANGE_AND_TENANT,
      max_age_ms: constant(DEFAULT_CREDENTIAL_MAX_AGE_DAYS * 86400_000),
      overdue: constant(overdue ? 1 : 0),
      limit: constant(limit),
      offset: constant(0),
    },
  );

/** How many service credentials seen in the range are overdue for rotation. */
export const overdueCredentialsCountSql = () => `SELECT count() AS overdue FROM (\n${credentials(true, 1_000_000)})`;

/** The service credentials seen in the range, overdue first, ages in days. */
export const credentialsTableSql = () =>
  'SELECT tenant, principal_id, credential_id, source, round(age_ms / 86400000, 1) AS age_days, age_basis, current, ' +
  `overdue_reason, first_seen, last_seen, expires_at FROM (\n${credentials(false, 200)})`;
