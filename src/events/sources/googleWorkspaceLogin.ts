// Google Workspace login audit activities, as the Admin SDK Reports API returns them
// (activities.list with applicationName=login: `kind` admin#reports#activity, `id`, `actor`,
// `ipAddress`, `events` with typed parameters). Logins, their challenges and 2-step verification
// and logouts → auth; warnings (suspicious login, leaked password, …) and account changes are
// skipped by their event type and name.
import { AUTH_ACTIVITY } from '../ocsf.js';
import { at, compact, deriveEventId, emailPrincipal, ipAddress, isObject, isoTime, str, type Json } from '../fields.js';
import type { Draft, NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';

// The login application's event types (the device application's are another source's).
const LOGIN_EVENT_TYPES = new Set([
  'login',
  'account_warning',
  'attack_warning',
  'blocked_sender',
  'email_forwarding_change',
  'titanium_change',
]);
// Challenge methods that are a second step (the first is the password or the SSO assertion).
const SECOND_FACTORS = new Set(['backup_code', 'google_authenticator', 'internal_two_factor', 'security_key', 'idv_preregistered_phone']);
const PASSED = 'Challenge Passed.';

/** The activity's first event of the login application: the API sends `events` as a list, exports often one per record. */
function loginEvent(record: Json): Json | undefined {
  if (record.kind !== 'admin#reports#activity' || at(record, 'id.applicationName') !== 'login') return undefined;
  const events = Array.isArray(record.events) ? record.events : [record.events];
  return events.find((event): event is Json => isObject(event) && LOGIN_EVENT_TYPES.has(String(event.type)));
}

/** A parameter's values, whichever typed field holds them (a multi-value as its list). */
function values(event: Json, name: string): unknown[] {
  const found = (Array.isArray(event.parameters) ? event.parameters : []).find((p) => isObject(p) && p.name === name) as Json | undefined;
  if (!found) return [];
  return Array.isArray(found.multiValue) ? found.multiValue : [found.value ?? found.boolValue ?? found.intValue];
}

const param = (event: Json, name: string): unknown => values(event, name)[0];

export const googleWorkspaceLoginSource: SourceNormalizer = {
  name: 'google_workspace_login',
  detect: (record) => loginEvent(record) !== undefined,
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    const event = loginEvent(record);
    const name = str(event?.name) ?? 'unknown';
    if (!event || event.type !== 'login') return { skip: `${str(event?.type) ?? 'unknown'}:${name}` };
    const challenges = values(event, 'login_challenge_method').flatMap((method) => str(method) ?? []);
    const challenge = challenges[0];
    const status = str(param(event, 'login_challenge_status'));
    const secondFactor = param(event, 'is_second_factor');
    let outcome: 'success' | 'failure';
    if (name === 'login_success' || name === 'logout') outcome = 'success';
    else if (name === 'login_failure') outcome = 'failure';
    else if (name === 'login_challenge' || name === 'login_verification') outcome = status === PASSED ? 'success' : 'failure';
    else return { skip: `login:${name}` };
    const draft: Draft = compact({
      kind: 'auth',
      // One activity (time and unique qualifier) can hold several events: the event's name is part of its identity.
      event_id: deriveEventId(
        'google_workspace_login',
        str(at(record, 'id.customerId')),
        str(at(record, 'id.time')),
        str(at(record, 'id.uniqueQualifier')),
        name,
      ),
      time: isoTime(at(record, 'id.time')),
      tenant: ctx.defaultTenant,
      source: 'google_workspace_login',
      emitter_id: `google_workspace:${str(record.ownerDomain) ?? str(at(record, 'id.customerId')) ?? 'login'}`,
      // Google account names are email addresses, without case.
      principal_id: emailPrincipal(at(record, 'actor.email')) ?? str(at(record, 'actor.profileId')),
      principal_type: at(record, 'actor.callerType') === 'KEY' ? 'service' : 'user',
      src_ip: ipAddress(record.ipAddress),
      outcome,
      auth_method: challenge ?? str(param(event, 'login_type')),
      mfa: typeof secondFactor === 'boolean' ? secondFactor : challenges.some((method) => SECOND_FACTORS.has(method)) || undefined,
      idp: 'google',
      failure_reason: outcome === 'failure' ? (str(param(event, 'login_failure_type')) ?? status ?? name) : undefined,
    });
    if (name === 'logout') draft.ocsf_activity_id = AUTH_ACTIVITY.logoff;
    return { draft };
  },
};
