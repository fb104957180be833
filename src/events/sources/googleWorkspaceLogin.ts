// Google Workspace login audit activities, as the Admin SDK Reports API returns them
// (activities.list with applicationName=login: `kind` admin#reports#activity, `id`, `actor`,
// `ipAddress`, `events` with typed parameters). Logins, their challenges and 2-step verification
// and logouts → auth; warnings (suspicious login, leaked password, …) and account changes are
// skipped by their event type and name.
import { AUTH_ACTIVITY } from '../ocsf.js';
import { at, compact, deriveEventId, emailPrincipal, ipAddress, isoTime, str, type Json } from '../fields.js';
import type { Draft, NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';
import { parameter, parameterValues, reportEvent } from './googleReports.js';

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

const loginEvent = (record: Json) => reportEvent(record, LOGIN_EVENT_TYPES, 'login');

export const googleWorkspaceLoginSource: SourceNormalizer = {
  name: 'google_workspace_login',
  detect: (record) => loginEvent(record) !== undefined,
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    const event = loginEvent(record);
    const name = str(event?.name) ?? 'unknown';
    if (!event || event.type !== 'login') return { skip: `${str(event?.type) ?? 'unknown'}:${name}` };
    const challenges = parameterValues(event, 'login_challenge_method').flatMap((method) => str(method) ?? []);
    const challenge = challenges[0];
    const status = str(parameter(event, 'login_challenge_status'));
    const secondFactor = parameter(event, 'is_second_factor');
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
      auth_method: challenge ?? str(parameter(event, 'login_type')),
      mfa: typeof secondFactor === 'boolean' ? secondFactor : challenges.some((method) => SECOND_FACTORS.has(method)) || undefined,
      idp: 'google',
      failure_reason: outcome === 'failure' ? (str(parameter(event, 'login_failure_type')) ?? status ?? name) : undefined,
    });
    if (name === 'logout') draft.ocsf_activity_id = AUTH_ACTIVITY.logoff;
    return { draft };
  },
};
