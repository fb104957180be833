// Keycloak user events (the Event SPI: type, realmId, clientId, userId, sessionId,
// ipAddress, error, details), and the same events as a JSON event-log listener writes them: the
// details beside the other fields, no id and no time (the log line's prefix had it), so such a
// record is timed when the pipeline observes it and identified by what it says. Logins and
// logouts → auth, token grants → token; admin events and the rest are skipped by type.
import { AUTH_ACTIVITY } from '../ocsf.js';
import type { TokenEvent } from '../schema.js';
import { at, compact, deriveEventId, isoTime, str, type Json } from '../fields.js';
import type { Draft, NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';

const AUTH_TYPES = new Set(['LOGIN', 'LOGOUT', 'CLIENT_LOGIN', 'CODE_TO_TOKEN', 'REFRESH_TOKEN', 'TOKEN_EXCHANGE', 'INTROSPECT_TOKEN']);
const TOKEN_ACTIVITY: Record<string, TokenEvent['activity']> = {
  CODE_TO_TOKEN: 'issue',
  REFRESH_TOKEN: 'refresh',
  TOKEN_EXCHANGE: 'exchange',
  INTROSPECT_TOKEN: 'introspect',
  REVOKE_GRANT: 'revoke',
};
// Errors where Keycloak (or the IdP it brokers to) failed, not the user.
const SERVICE_ERRORS = new Set(['identity_provider_error', 'identity_provider_login_failure', 'internal_error', 'unknown_error']);

/** A detail of the event: under `details` from the Event SPI, beside the other fields from a JSON event log. */
const detail = (record: Json, key: string): string | undefined => str(at(record, `details.${key}`)) ?? str(record[key]);

export const keycloakSource: SourceNormalizer = {
  name: 'keycloak',
  detect: (record) => typeof record.type === 'string' && typeof record.realmId === 'string',
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    const type = String(record.type);
    const failed = type.endsWith('_ERROR');
    const baseType = failed ? type.slice(0, -'_ERROR'.length) : type;
    const envelope = compact({
      event_id: str(record.id)
        ? deriveEventId('keycloak', str(record.id))
        : deriveEventId(
            'keycloak',
            str(record.realmId),
            type,
            // Without a time (a JSON event log), the login's code id or the token id tells events apart.
            str(record.time) ?? detail(record, 'code_id') ?? detail(record, 'token_id'),
            str(record.sessionId),
            str(record.userId),
            str(record.clientId),
          ),
      time: isoTime(record.time) ?? (record.time === undefined || record.time === null ? ctx.observedTime : undefined),
      tenant: str(record.realmId) ?? ctx.defaultTenant,
      source: 'keycloak',
      emitter_id: `keycloak:${str(record.realmId)}`,
      session_id: str(record.sessionId),
      principal_id: detail(record, 'username') ?? str(record.userId),
      principal_type: baseType === 'CLIENT_LOGIN' ? 'service' : 'user',
      src_ip: str(record.ipAddress),
      app: str(record.clientId),
    });
    const activity = TOKEN_ACTIVITY[baseType];
    if (activity && !failed) {
      const accessTokenId = detail(record, 'token_id');
      return {
        draft: compact({
          ...envelope,
          kind: 'token',
          activity,
          token_id: accessTokenId ?? detail(record, 'refresh_token_id'),
          token_type: accessTokenId ? 'access_token' : 'refresh_token',
          client_id: str(record.clientId),
          scopes: (detail(record, 'scope') ?? '').split(/\s+/).filter(Boolean),
        }),
      };
    }
    if (AUTH_TYPES.has(baseType)) {
      const error = str(record.error);
      const draft: Draft = {
        ...envelope,
        kind: 'auth',
        outcome: !failed ? 'success' : error && SERVICE_ERRORS.has(error) ? 'error' : 'failure',
        auth_method: detail(record, 'auth_method') ?? (activity ? baseType.toLowerCase() : undefined),
        idp: detail(record, 'identity_provider') ?? 'keycloak',
        failure_reason: failed ? (error ?? 'unknown') : undefined,
      };
      if (baseType === 'LOGOUT') draft.ocsf_activity_id = AUTH_ACTIVITY.logoff;
      return { draft: compact(draft) };
    }
    return { skip: type };
  },
};
