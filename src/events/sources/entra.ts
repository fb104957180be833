// Microsoft Entra ID sign-in logs, both as Azure Monitor diagnostic records
// (category *SignInLogs with the sign-in under `properties`) and as the Graph API
// signIn resource. Every sign-in is an auth event.
import { compact, deriveEventId, isObject, isoTime, num, str, type Json } from '../fields.js';
import type { NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';

// Error codes that mean Entra itself failed rather than the user (the guide's F1, IdP outage).
const SERVICE_ERROR_CODES = new Set([50000, 50001, 80001, 80002, 80005, 81001, 90025, 90033, 90036, 900432]);

function signIn(record: Json): { signIn: Json; category: string } | undefined {
  if (typeof record.category === 'string' && /SignInLogs$/.test(record.category) && isObject(record.properties)) {
    return { signIn: record.properties, category: record.category };
  }
  if (typeof record.createdDateTime === 'string' && isObject(record.status) && 'userPrincipalName' in record) {
    return { signIn: record, category: 'SignInLogs' };
  }
  return undefined;
}

export const entraSource: SourceNormalizer = {
  name: 'entra',
  detect: (record) => signIn(record) !== undefined,
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    const found = signIn(record);
    if (!found) return { skip: String(record.category ?? 'unknown') };
    const { signIn: s, category } = found;
    const status = isObject(s.status) ? s.status : {};
    const errorCode = num(status.errorCode) ?? 0;
    const servicePrincipal = category === 'ServicePrincipalSignInLogs' || category === 'ManagedIdentitySignInLogs';
    const device = isObject(s.deviceDetail) ? s.deviceDetail : {};
    const location = isObject(s.location) ? s.location : {};
    const authDetails = Array.isArray(s.authenticationDetails) ? s.authenticationDetails.filter(isObject) : [];
    return {
      draft: compact({
        kind: 'auth',
        // Interactive, non-interactive and service-principal logs can repeat an id: the category is part of identity.
        event_id: deriveEventId('entra', category, str(s.id) ?? str(record.id)),
        time: isoTime(s.createdDateTime) ?? isoTime(record.time),
        tenant: str(record.tenantId) ?? str(s.tenantId) ?? ctx.defaultTenant,
        source: 'entra',
        emitter_id: `entra:${category}`,
        correlation_id: str(s.correlationId) ?? str(record.correlationId),
        session_id: str(s.sessionId),
        principal_id: servicePrincipal
          ? (str(s.servicePrincipalName) ?? str(s.servicePrincipalId) ?? str(s.appId))
          : (str(s.userPrincipalName) ?? str(s.userId)),
        principal_type: servicePrincipal ? 'service' : 'user',
        device_id: str(device.deviceId),
        src_ip: str(s.ipAddress) ?? str(record.callerIpAddress),
        user_agent: str(s.userAgent) ?? str(device.browser),
        geo_country: str(location.countryOrRegion) ?? str(record.location),
        asn: num(s.autonomousSystemNumber),
        app: str(s.appDisplayName) ?? str(s.resourceDisplayName) ?? str(s.appId),
        outcome: errorCode === 0 ? 'success' : SERVICE_ERROR_CODES.has(errorCode) ? 'error' : 'failure',
        auth_method: str(authDetails[0]?.authenticationMethod) ?? str(s.clientAppUsed),
        mfa: s.authenticationRequirement === 'multiFactorAuthentication' || isObject(s.mfaDetail) || undefined,
        idp: 'entra',
        latency_ms: num(s.processingTimeInMilliseconds),
        failure_reason: errorCode === 0 ? undefined : `${errorCode}: ${str(status.failureReason) ?? 'unknown'}`,
      }),
    };
  },
};
