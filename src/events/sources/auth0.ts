// Auth0 tenant logs, as a log stream delivers them (a custom webhook or EventBridge:
// `{ log_id, data }`) and as the Management API's /api/v2/logs returns them (the log itself).
// The log type code says what happened: logins, logouts and MFA (Guardian, gd_*) → auth; token
// exchanges → token (a failed exchange → a failed auth, as no token came of it); others skipped by code.
import { AUTH_ACTIVITY } from '../ocsf.js';
import type { TokenEvent } from '../schema.js';
import { compact, deriveEventId, emailPrincipal, ipAddress, isObject, isoTime, str, type Json } from '../fields.js';
import type { Draft, NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';

interface AuthCode {
  outcome: 'success' | 'failure';
  /** Guardian MFA codes: the method when the code names it. */
  mfa?: string;
  logoff?: true;
}
const AUTH_CODES: Record<string, AuthCode> = {
  s: { outcome: 'success' },
  ssa: { outcome: 'success' },
  scoa: { outcome: 'success' },
  slo: { outcome: 'success', logoff: true },
  f: { outcome: 'failure' },
  fp: { outcome: 'failure' },
  fu: { outcome: 'failure' },
  fsa: { outcome: 'failure' },
  fcoa: { outcome: 'failure' },
  flo: { outcome: 'failure', logoff: true },
  limit_wc: { outcome: 'failure' },
  limit_sul: { outcome: 'failure' },
  limit_mu: { outcome: 'failure' },
  pwd_leak: { outcome: 'failure' },
  gd_auth_succeed: { outcome: 'success', mfa: 'mfa' },
  gd_auth_failed: { outcome: 'failure', mfa: 'mfa' },
  // A user turned down a push notification: what push bombing looks like.
  gd_auth_rejected: { outcome: 'failure', mfa: 'push' },
  gd_otp_rate_limit_exceed: { outcome: 'failure', mfa: 'otp' },
  gd_recovery_succeed: { outcome: 'success', mfa: 'recovery_code' },
  gd_recovery_failed: { outcome: 'failure', mfa: 'recovery_code' },
  gd_recovery_rate_limit_exceed: { outcome: 'failure', mfa: 'recovery_code' },
};

interface TokenCode {
  activity: TokenEvent['activity'];
  grant: string;
}
// Successful exchanges; each has a failed twin (`se…` → `fe…`) and refresh-token revocation has none.
const TOKEN_CODES: Record<string, TokenCode> = {
  seacft: { activity: 'issue', grant: 'authorization_code' },
  seccft: { activity: 'issue', grant: 'client_credentials' },
  sepft: { activity: 'issue', grant: 'password' },
  sertft: { activity: 'refresh', grant: 'refresh_token' },
  seoobft: { activity: 'issue', grant: 'mfa_oob' },
  seotpft: { activity: 'issue', grant: 'mfa_otp' },
  sercft: { activity: 'issue', grant: 'mfa_recovery_code' },
  sede: { activity: 'issue', grant: 'device_code' },
  srrt: { activity: 'revoke', grant: 'refresh_token' },
};
const FAILED_EXCHANGES = new Map(Object.entries(TOKEN_CODES).map(([code, token]) => [`f${code.slice(1)}`, token.grant]));

/** The log itself: under `data` as log streams send it, or the record as the Management API returns it. */
function logOf(record: Json): Json | undefined {
  const log = isObject(record.data) ? record.data : record;
  return typeof record.log_id === 'string' && typeof log.type === 'string' && typeof log.date === 'string' ? log : undefined;
}

const scopesOf = (scope: unknown): string[] =>
  Array.isArray(scope) ? scope.filter((s): s is string => typeof s === 'string') : (str(scope) ?? '').split(/\s+/).filter(Boolean);

function failureReason(log: Json): string | undefined {
  const details = isObject(log.details) ? log.details : {};
  const error = isObject(details.error) ? details.error : {};
  return str(log.description) ?? str(error.message) ?? str(log.type);
}

export const auth0Source: SourceNormalizer = {
  name: 'auth0',
  detect: (record) => logOf(record) !== undefined,
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    const log = logOf(record);
    if (!log) return { skip: 'unknown' };
    const type = String(log.type);
    const details = isObject(log.details) ? log.details : {};
    const token = TOKEN_CODES[type];
    // A client credentials exchange is the application's own: the client is the principal.
    const service = token?.grant === 'client_credentials' || FAILED_EXCHANGES.get(type) === 'client_credentials';
    const envelope = compact({
      event_id: deriveEventId('auth0', str(record.log_id)),
      time: isoTime(log.date),
      tenant: ctx.defaultTenant,
      source: 'auth0',
      emitter_id: `auth0:${str(log.hostname) ?? 'tenant'}`,
      session_id: str(details.session_id) ?? str(log.session_id),
      principal_id: service ? str(log.client_id) : (emailPrincipal(log.user_name) ?? str(log.user_id)),
      principal_type: service ? ('service' as const) : ('user' as const),
      src_ip: ipAddress(log.ip),
      user_agent: str(log.user_agent),
      app: str(log.client_name) ?? str(log.client_id),
    });
    if (token) {
      return {
        draft: compact({
          ...envelope,
          kind: 'token',
          activity: token.activity,
          // Auth0 logs carry neither the token nor its jti: the exchange's log id stands for the token it issued.
          token_id: `auth0-log:${str(record.log_id)}`,
          token_type: token.grant === 'refresh_token' ? 'refresh_token' : 'access_token',
          client_id: str(log.client_id),
          audience: str(log.audience),
          scopes: scopesOf(log.scope),
        }),
      };
    }
    const failedGrant = FAILED_EXCHANGES.get(type);
    const code = AUTH_CODES[type] ?? (failedGrant ? { outcome: 'failure' as const } : undefined);
    if (!code) return { skip: type };
    const prompts = Array.isArray(details.prompts) ? details.prompts.filter(isObject) : [];
    const draft: Draft = compact({
      ...envelope,
      kind: 'auth',
      outcome: code.outcome,
      // A database connection is a password; otherwise the connection's strategy (google-oauth2, samlp, email, …).
      auth_method: code.mfa ?? failedGrant ?? (log.strategy_type === 'database' ? 'password' : str(log.strategy)),
      mfa: code.mfa !== undefined || prompts.some((p) => str(p.name)?.includes('mfa')) || undefined,
      idp: 'auth0',
      failure_reason: code.outcome === 'failure' ? failureReason(log) : undefined,
    });
    if (code.logoff) draft.ocsf_activity_id = AUTH_ACTIVITY.logoff;
    return { draft };
  },
};
