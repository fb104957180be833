// Okta System Log (https://developer.okta.com/docs/reference/api/system-log/): the
// LogEvent object. Authentication and session events → auth, sign-on policy
// evaluation → policy, OAuth 2.0 token grants and revocations → token.
import { AUTH_ACTIVITY } from '../ocsf.js';
import type { AuthEvent, PolicyEvent, TokenEvent } from '../schema.js';
import { at, compact, deriveEventId, isObject, isoTime, num, str, type Json } from '../fields.js';
import type { Draft, NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';

const OUTCOME: Record<string, AuthEvent['outcome']> = {
  SUCCESS: 'success',
  ALLOW: 'success',
  FAILURE: 'failure',
  DENY: 'failure',
  CHALLENGE: 'failure',
  UNKNOWN: 'error',
};
const DECISION: Record<string, PolicyEvent['decision']> = {
  ALLOW: 'allow',
  SUCCESS: 'allow',
  // A challenge asks for a stronger factor before access: the request as made was not allowed.
  CHALLENGE: 'deny',
  DENY: 'deny',
  FAILURE: 'deny',
  UNKNOWN: 'error',
};

function targets(record: Json): Json[] {
  return Array.isArray(record.target) ? record.target.filter(isObject) : [];
}
const targetOf = (record: Json, type: RegExp) => targets(record).find((t) => type.test(String(t.type)));

function tokenActivity(eventType: string): TokenEvent['activity'] | undefined {
  if (/revoke/.test(eventType)) return 'revoke';
  if (/introspect/.test(eventType)) return 'introspect';
  if (/exchange/.test(eventType)) return 'exchange';
  if (/refresh/.test(eventType)) return 'refresh';
  if (/grant|token/.test(eventType)) return 'issue';
  return undefined;
}

export const oktaSource: SourceNormalizer = {
  name: 'okta',
  detect: (record) => typeof record.eventType === 'string' && typeof record.uuid === 'string' && 'published' in record,
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    const eventType = String(record.eventType);
    const result = String(at(record, 'outcome.result') ?? 'UNKNOWN').toUpperCase();
    const actorType = str(at(record, 'actor.type'));
    const app = targetOf(record, /^AppInstance$/);
    const envelope = compact({
      event_id: deriveEventId('okta', str(record.uuid)),
      time: isoTime(record.published),
      // The System Log has no org field: a forwarder may stamp `tenant` on each record.
      tenant: str(record.tenant) ?? ctx.defaultTenant,
      source: 'okta',
      emitter_id: 'okta',
      correlation_id: str(at(record, 'transaction.id')),
      session_id: str(at(record, 'authenticationContext.externalSessionId')),
      principal_id: str(at(record, 'actor.alternateId')) ?? str(at(record, 'actor.id')),
      principal_type: actorType === undefined ? undefined : actorType === 'User' ? 'user' : 'service',
      device_id: str(at(record, 'debugContext.debugData.deviceFingerprint')) ?? str(at(record, 'device.id')),
      src_ip: str(at(record, 'client.ipAddress')),
      user_agent: str(at(record, 'client.userAgent.rawUserAgent')),
      geo_country: str(at(record, 'client.geographicalContext.country')),
      asn: num(at(record, 'securityContext.asNumber')),
      app: str(app?.displayName) ?? str(app?.alternateId),
    });

    if (/^user\.(authentication\.|session\.(start|end)$|mfa\.)/.test(eventType)) {
      const draft: Draft = {
        ...envelope,
        kind: 'auth',
        outcome: OUTCOME[result] ?? 'error',
        auth_method: str(at(record, 'authenticationContext.credentialType'))?.toLowerCase(),
        mfa: /mfa|factor/.test(eventType) || undefined,
        idp: 'okta',
        failure_reason: result === 'SUCCESS' ? undefined : str(at(record, 'outcome.reason')),
      };
      if (eventType === 'user.session.end') draft.ocsf_activity_id = AUTH_ACTIVITY.logoff;
      return { draft: compact(draft) };
    }
    if (eventType === 'policy.evaluate_sign_on' || eventType.startsWith('policy.evaluate')) {
      const policy = targetOf(record, /^PolicyEntity$/);
      const rule = targetOf(record, /^PolicyRule$/);
      return {
        draft: compact({
          ...envelope,
          kind: 'policy',
          decision: DECISION[result] ?? 'error',
          policy_id: str(policy?.id),
          rule: str(rule?.displayName),
          action: eventType.replace(/^policy\.evaluate_?/, '') || 'evaluate',
          reasons: [str(at(record, 'outcome.reason'))].filter((r): r is string => r !== undefined),
          enforcement_point: 'okta',
        }),
      };
    }
    const activity = eventType.startsWith('app.oauth2.') ? tokenActivity(eventType) : undefined;
    if (activity) {
      // Okta names tokens by id in its targets (access_token, refresh_token, id_token): an id, not the token.
      const token = targetOf(record, /token$/i);
      return {
        draft: compact({
          ...envelope,
          kind: 'token',
          activity,
          token_id: str(token?.id) ?? str(at(record, 'debugContext.debugData.tokenId')),
          token_type: str(token?.type)?.toLowerCase(),
          client_id: str(at(record, 'client.id')) ?? str(app?.id),
          audience: str(at(record, 'debugContext.debugData.audience')),
          scopes: (str(at(record, 'debugContext.debugData.grantedScopes')) ?? '').split(/[\s,]+/).filter(Boolean),
        }),
      };
    }
    return { skip: eventType };
  },
};
