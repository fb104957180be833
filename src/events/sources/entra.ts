// Microsoft Entra ID sign-in logs, both as Azure Monitor diagnostic records (category
// SignInLogs, NonInteractiveUserSignInLogs, ServicePrincipalSignInLogs or
// ManagedIdentitySignInLogs, the sign-in under `properties`) and as the Graph API signIn
// resource. A sign-in is an auth event; one that Conditional Access blocked is Conditional
// Access's decision (a policy deny naming the policies that failed), since the credentials held.
// The sign-in also carries, as related events, each Conditional Access policy it enforced (a
// policy decision of its own) and the device's compliance as Intune reported it (posture).
import { compact, deriveEventId, emailPrincipal, ipAddress, isObject, isoTime, num, str, type Json } from '../fields.js';
import type { Draft, NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';

// Error codes that mean Entra itself failed rather than the user (the guide's F1, IdP outage).
const SERVICE_ERROR_CODES = new Set([50000, 50001, 80001, 80002, 80005, 81001, 90025, 90033, 90036, 900432]);
// Conditional Access refusals: non-compliant device, device not joined, unapproved app, blocked by policy, protection policy required.
const CONDITIONAL_ACCESS_CODES = new Set([53000, 53001, 53002, 53003, 53004, 530032]);
// Workload identities: an application's own sign-in, or an Azure resource's managed identity.
const WORKLOAD_CATEGORIES = new Set(['ServicePrincipalSignInLogs', 'ManagedIdentitySignInLogs']);

function signIn(record: Json): { signIn: Json; category: string } | undefined {
  if (typeof record.category === 'string' && /SignInLogs$/.test(record.category) && isObject(record.properties)) {
    return { signIn: record.properties, category: record.category };
  }
  if (typeof record.createdDateTime === 'string' && isObject(record.status) && 'userPrincipalName' in record) {
    return { signIn: record, category: 'SignInLogs' };
  }
  return undefined;
}

/** How a workload identity proved itself, in Entra's words (clientCredentialType), read from its credential where the log omits them. */
function workloadMethod(s: Json, category: string): string | undefined {
  const named = str(s.clientCredentialType);
  if (named) return named;
  if (category === 'ManagedIdentitySignInLogs') return 'managedIdentity';
  if (str(s.servicePrincipalCredentialThumbprint)) return 'certificate';
  if (str(s.servicePrincipalCredentialKeyId)) return 'clientSecret';
  return undefined;
}

// A policy's result that Conditional Access enforced, as its decision. notApplied, notEnabled and
// the report-only results (reportOnlySuccess, reportOnlyFailure, …) decided nothing.
const ENFORCED: Record<string, 'allow' | 'deny'> = { success: 'allow', failure: 'deny' };

/** The Conditional Access policies the sign-in enforced, in the log's order. */
function enforcedPolicies(s: Json): Json[] {
  const applied = Array.isArray(s.appliedConditionalAccessPolicies) ? s.appliedConditionalAccessPolicies.filter(isObject) : [];
  return applied.filter((policy) => typeof policy.result === 'string' && policy.result in ENFORCED);
}

const grantControls = (policy: Json): string[] =>
  Array.isArray(policy.enforcedGrantControls) ? policy.enforcedGrantControls.filter((c) => typeof c === 'string') : [];

function blockReasons(failed: Json[], device: Json): string[] {
  const reasons = failed.map((policy) => {
    const controls = grantControls(policy);
    const name = str(policy.displayName) ?? str(policy.id) ?? 'unnamed policy';
    return controls.length > 0 ? `${name}: ${controls.join(', ')}` : name;
  });
  if (device.isCompliant === false) reasons.push('device not compliant');
  if (device.isManaged === false) reasons.push('device not managed');
  return reasons;
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
    const workload = WORKLOAD_CATEGORIES.has(category);
    const device = isObject(s.deviceDetail) ? s.deviceDetail : {};
    const location = isObject(s.location) ? s.location : {};
    const signInId = str(s.id) ?? str(record.id);
    const envelope = compact({
      // Interactive, non-interactive and service-principal logs can repeat an id: the category is part of identity.
      event_id: deriveEventId('entra', category, signInId),
      time: isoTime(s.createdDateTime) ?? isoTime(record.time),
      tenant: str(record.tenantId) ?? str(s.tenantId) ?? ctx.defaultTenant,
      source: 'entra',
      emitter_id: `entra:${category}`,
      correlation_id: str(s.correlationId) ?? str(record.correlationId),
      session_id: str(s.sessionId),
      // UPNs compare without case; a workload identity is named by its service principal.
      principal_id: workload
        ? (str(s.servicePrincipalName) ?? str(s.servicePrincipalId) ?? str(s.appId))
        : (emailPrincipal(s.userPrincipalName) ?? str(s.userId)),
      principal_type: workload ? ('service' as const) : ('user' as const),
      device_id: str(device.deviceId),
      src_ip: ipAddress(s.ipAddress) ?? ipAddress(record.callerIpAddress),
      user_agent: str(s.userAgent) ?? str(device.browser),
      geo_country: str(location.countryOrRegion) ?? str(record.location),
      asn: num(s.autonomousSystemNumber),
      app: str(s.appDisplayName) ?? str(s.resourceDisplayName) ?? str(s.appId),
      // Which of the application's credentials it signed in with (M7): the key id of its secret or
      // certificate, else the certificate's thumbprint; ids Entra logs, never the secret. Managed
      // identities carry none: Azure holds and rotates their credentials.
      credential_id: workload ? (str(s.servicePrincipalCredentialKeyId) ?? str(s.servicePrincipalCredentialThumbprint)) : undefined,
    });
    const enforced = enforcedPolicies(s);
    const blocked = s.conditionalAccessStatus === 'failure' || CONDITIONAL_ACCESS_CODES.has(errorCode);
    const failed = blocked ? enforced.filter((policy) => policy.result === 'failure') : [];
    // A blocked sign-in is its first failed policy's deny: that policy is not repeated among the related events.
    const policies = failed.length > 0 ? enforced.filter((policy) => policy !== failed[0]) : enforced;
    const related: Draft[] = policies.map((policy, i) =>
      compact({
        ...envelope,
        event_id: deriveEventId('entra', category, signInId, 'ca', str(policy.id) ?? str(policy.displayName) ?? i),
        kind: 'policy',
        decision: ENFORCED[policy.result as string],
        policy_id: str(policy.id),
        rule: str(policy.displayName),
        action: 'sign-in',
        reasons: grantControls(policy),
        enforcement_point: 'entra-conditional-access',
      }),
    );
    const deviceId = str(device.deviceId);
    if (deviceId && typeof device.isCompliant === 'boolean') {
      related.push(
        compact({
          ...envelope,
          event_id: deriveEventId('entra', category, signInId, 'device', deviceId),
          kind: 'posture',
          compliant: device.isCompliant,
          checks: [
            { name: 'compliant', passed: device.isCompliant },
            ...(typeof device.isManaged === 'boolean' ? [{ name: 'managed', passed: device.isManaged }] : []),
          ],
          os: str(device.operatingSystem),
        }),
      );
    }
    if (blocked) {
      return {
        related,
        draft: compact({
          ...envelope,
          kind: 'policy',
          decision: 'deny',
          policy_id: str(failed[0]?.id),
          rule: str(failed[0]?.displayName),
          action: 'sign-in',
          reasons: blockReasons(failed, device),
          enforcement_point: 'entra-conditional-access',
        }),
      };
    }
    const authDetails = Array.isArray(s.authenticationDetails) ? s.authenticationDetails.filter(isObject) : [];
    return {
      related,
      draft: compact({
        ...envelope,
        kind: 'auth',
        outcome: errorCode === 0 ? 'success' : SERVICE_ERROR_CODES.has(errorCode) ? 'error' : 'failure',
        auth_method: workload ? workloadMethod(s, category) : (str(authDetails[0]?.authenticationMethod) ?? str(s.clientAppUsed)),
        mfa: s.authenticationRequirement === 'multiFactorAuthentication' || isObject(s.mfaDetail) || undefined,
        idp: 'entra',
        latency_ms: num(s.processingTimeInMilliseconds),
        failure_reason: errorCode === 0 ? undefined : `${errorCode}: ${str(status.failureReason) ?? 'unknown'}`,
      }),
    };
  },
};
