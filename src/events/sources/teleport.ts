// Teleport audit events (https://goteleport.com/docs/reference/monitoring/audit/): `event`, `code`
// (T…I info, T…W warning), `uid`, `time`, `user`, `cluster_name`, `addr.remote`, `sid`. Logins and
// authentication attempts → auth; starting an SSH, app, database or desktop session, a Kubernetes
// request and a denied database request → Teleport's decision on that access (policy); an access
// request approved or denied → policy; a certificate, privilege token or device web token issued → token. Every other
// event is skipped by its type.
import type { PolicyEvent } from '../schema.js';
import { at, compact, deriveEventId, emailPrincipal, firstStr, ipAddress, isObject, isoTime, num, str, type Json } from '../fields.js';
import type { NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';

const CODE = /^T[0-9A-Z]+[IWE]$/;
const AUTH_EVENTS = new Set(['user.login', 'auth', 'recovery_code.used']);
const SESSION_STARTS = new Set(['session.start', 'app.session.start', 'db.session.start', 'windows.desktop.session.start']);
// A headless login's request (T1012I) is waiting for the user's approval: no outcome yet.
const HEADLESS_LOGIN_REQUESTED = 'T1012I';
const REQUEST_DECISION: Record<string, PolicyEvent['decision']> = { APPROVED: 'allow', PROMOTED: 'allow', DENIED: 'deny' };
const TOKEN_TYPE: Record<string, string> = {
  'cert.create': 'certificate',
  'privilege_token.create': 'privilege_token',
  'device.webtoken.create': 'device_web_token',
};
// What was accessed, by the kind of session.
const RESOURCE_PATHS = ['server_hostname', 'app_name', 'db_service', 'kubernetes_cluster', 'desktop_name', 'server_id', 'public_addr'];

const errorOf = (record: Json) => str(record.error) ?? str(record.message);

function decision(record: Json): PolicyEvent['decision'] {
  if (record.success === false) return 'deny';
  // Teleport answers a Kubernetes request its roles refuse with 403.
  return num(record.response_code) === 403 ? 'deny' : 'allow';
}

export const teleportSource: SourceNormalizer = {
  name: 'teleport',
  detect: (record) => typeof record.event === 'string' && typeof record.code === 'string' && 'uid' in record && CODE.test(record.code),
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    const event = String(record.event);
    const cluster = str(record.cluster_name);
    const attributes = isObject(record.attributes) ? record.attributes : {};
    const principal = str(record.user) ?? firstStr(record, ['identity.user']) ?? emailPrincipal(attributes.email);
    // A Machine ID bot (tbot) is a workload: its certificates name the bot, its user is `bot-<name>`.
    const bot = firstStr(record, ['identity.bot_name', 'bot_name']) !== undefined || principal?.startsWith('bot-') === true;
    const envelope = compact({
      event_id: deriveEventId('teleport', str(record.uid)),
      time: isoTime(record.time),
      tenant: ctx.defaultTenant,
      source: 'teleport',
      emitter_id: cluster ? `teleport:${cluster}` : 'teleport',
      session_id: str(record.sid),
      // Teleport user names keep their case; an SSO login that failed before naming one has the IdP's email.
      principal_id: principal,
      principal_type: principal === undefined ? undefined : bot ? ('service' as const) : ('user' as const),
      device_id: firstStr(record, ['device.device_id']),
      src_ip: ipAddress(record['addr.remote']),
      app: firstStr(record, RESOURCE_PATHS),
    });

    if (AUTH_EVENTS.has(event)) {
      if (record.code === HEADLESS_LOGIN_REQUESTED) return { skip: `${event} (headless login requested)` };
      const method = event === 'auth' ? 'ssh' : event === 'recovery_code.used' ? 'recovery_code' : str(record.method);
      const ok = record.success === true;
      return {
        draft: compact({
          ...envelope,
          kind: 'auth',
          outcome: ok ? 'success' : 'failure',
          auth_method: method,
          // The second factor used, when the login took one.
          mfa: isObject(record.mfa_device) || undefined,
          idp: method === undefined || method === 'local' || method === 'ssh' || method === 'recovery_code' ? 'teleport' : method,
          failure_reason: ok ? undefined : (errorOf(record) ?? 'unknown'),
        }),
      };
    }
    if (SESSION_STARTS.has(event) || event === 'kube.request' || (event.startsWith('db.session.') && record.success === false)) {
      const decided = decision(record);
      return {
        draft: compact({
          ...envelope,
          kind: 'policy',
          decision: decided,
          action: str(record.verb) ?? str(record.procedure) ?? event,
          reasons: decided === 'deny' ? [errorOf(record) ?? `response ${num(record.response_code)}`] : [],
          enforcement_point: cluster ?? 'teleport',
        }),
      };
    }
    if (event === 'access_request.update') {
      const state = str(record.state)?.toUpperCase() ?? 'UNKNOWN';
      const decided = REQUEST_DECISION[state];
      if (!decided) return { skip: `${event} ${state}` };
      const reviewer = str(record.updated_by);
      return {
        draft: compact({
          ...envelope,
          kind: 'policy',
          // The request's id joins its creation, reviews and this resolution.
          correlation_id: str(record.id),
          decision: decided,
          action: 'access_request',
          rule: Array.isArray(record.roles) ? record.roles.map(str).filter(Boolean).join(',') || undefined : undefined,
          reasons: reviewer ? [`${state.toLowerCase()} by ${reviewer}`] : [],
          enforcement_point: cluster ?? 'teleport',
        }),
      };
    }
    const tokenType = TOKEN_TYPE[event];
    if (tokenType) {
      return {
        draft: compact({
          ...envelope,
          kind: 'token',
          activity: 'issue',
          // The token itself is never in the event: its issue event's id names it.
          token_id: str(record.uid),
          token_type: tokenType,
          // Each certificate is a credential of its own (M7: a bot's certificates are its rotations).
          credential_id: tokenType === 'certificate' ? str(record.uid) : undefined,
          issued_at: isoTime(record.time),
          expires_at: isoTime(record.expires) ?? isoTime(at(record, 'identity.expires')),
          // A certificate's roles are what it lets its holder do.
          scopes: Array.isArray(at(record, 'identity.roles'))
            ? (at(record, 'identity.roles') as unknown[]).map(str).filter((r): r is string => r !== undefined)
            : [],
        }),
      };
    }
    return { skip: event };
  },
};
