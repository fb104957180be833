// Cisco Duo authentication logs, as the Admin API returns them (/admin/v2/logs/authentication:
// txid, result, reason, factor, user, application, access_device, auth_device, isotimestamp).
// An authentication → auth: a push the user marked as fraud or turned down is a failed MFA push.
// One Duo refused because of the device's health (its endpoint checks) → posture, not compliant,
// with the access device's checks as the record reports them. Any other authentication whose
// access device Duo could inspect also carries that device's posture as a related event.
import { compact, deriveEventId, emailPrincipal, ipAddress, isObject, isoTime, str, type Json } from '../fields.js';
import type { NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';

const OUTCOMES: Record<string, 'success' | 'failure' | 'error'> = {
  success: 'success',
  denied: 'failure',
  fraud: 'failure',
  error: 'error',
};
const FACTORS: Record<string, string> = { duo_push: 'push', duo_mobile_passcode: 'passcode', sms_passcode: 'sms', phone_call: 'phone' };
// Denial reasons that are the device's health, each the check that failed.
const POSTURE_REASONS: Record<string, string> = {
  endpoint_is_not_trusted: 'trusted_endpoint',
  endpoint_is_not_in_management_system: 'trusted_endpoint',
  could_not_determine_if_endpoint_was_trusted: 'trusted_endpoint',
  endpoint_failed_google_verification: 'google_verification',
  no_disk_encryption: 'disk_encryption',
  no_screen_lock: 'screen_lock',
  rooted_device: 'not_rooted',
  no_activated_duo_mobile_account: 'duo_mobile',
  platform_restricted: 'platform',
  version_restricted: 'os_version',
  software_restricted: 'software_version',
};
// The access device's health fields: true or false when Duo could tell, "unknown" (left out) when not.
const DEVICE_CHECKS: Record<string, string> = {
  is_encryption_enabled: 'disk_encryption',
  is_firewall_enabled: 'firewall',
  is_password_set: 'password_set',
};

type Check = { name: string; passed: boolean };

/**
 * The endpoint checks Duo could tell on the access device: its health fields, whether it is a
 * trusted endpoint, and each security agent it found running (security_agent:<name>).
 */
function deviceChecks(device: Json, record: Json): Check[] {
  const checks = Object.entries(DEVICE_CHECKS).flatMap(([field, name]) =>
    typeof device[field] === 'boolean' ? [{ name, passed: device[field] }] : [],
  );
  const trusted = str(record.trusted_endpoint_status);
  if (trusted && trusted !== 'unknown') checks.push({ name: 'trusted_endpoint', passed: trusted === 'trusted' });
  const agents = Array.isArray(device.security_agents) ? device.security_agents.filter(isObject) : [];
  for (const agent of agents) {
    const name = str(agent.security_agent);
    if (name) checks.push({ name: `security_agent:${name}`, passed: true });
  }
  return checks;
}

/** A denial's checks: the one that failed last, in place of what the device's fields say of it. */
const deniedChecks = (device: Json, record: Json, failed: string): Check[] => [
  ...deviceChecks(device, record).filter((check) => check.name !== failed),
  { name: failed, passed: false },
];

export const duoSource: SourceNormalizer = {
  name: 'duo',
  detect: (record) =>
    record.event_type === 'authentication' && typeof record.txid === 'string' && typeof record.result === 'string' && isObject(record.user),
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    const result = String(record.result);
    const outcome = OUTCOMES[result];
    if (!outcome) return { skip: `result:${result}` };
    const user = isObject(record.user) ? record.user : {};
    const device = isObject(record.access_device) ? record.access_device : {};
    const location = isObject(device.location) ? device.location : {};
    const application = isObject(record.application) ? record.application : {};
    const reason = str(record.reason);
    const browser = str(device.browser);
    const envelope = compact({
      event_id: deriveEventId('duo', str(record.txid)),
      time: isoTime(record.isotimestamp) ?? isoTime(record.timestamp),
      tenant: ctx.defaultTenant,
      source: 'duo',
      emitter_id: 'duo',
      correlation_id: str(record.txid),
      // Duo usernames and emails compare without case.
      principal_id: emailPrincipal(record.email) ?? str(user.name)?.toLowerCase() ?? str(user.key),
      principal_type: 'user' as const,
      device_id: str(device.epkey) ?? str(device.hostname),
      src_ip: ipAddress(device.ip),
      user_agent: browser && [browser, str(device.browser_version)].filter(Boolean).join(' '),
      geo_country: str(location.country),
      app: str(application.name) ?? str(application.key),
    });
    const os = [str(device.os), str(device.os_version)].filter(Boolean).join(' ') || undefined;
    const failedCheck = reason && result === 'denied' ? POSTURE_REASONS[reason] : undefined;
    if (failedCheck) {
      return {
        draft: compact({ ...envelope, kind: 'posture', compliant: false, checks: deniedChecks(device, record, failedCheck), os }),
      };
    }
    // On a login Duo did not refuse for the device, the checks are the device's state, not Duo's
    // verdict: compliant when none it could tell failed.
    const checks = deviceChecks(device, record);
    const factor = str(record.factor);
    return {
      related:
        checks.length === 0
          ? undefined
          : [
              compact({
                ...envelope,
                event_id: deriveEventId('duo', str(record.txid), 'posture'),
                kind: 'posture',
                compliant: checks.every((check) => check.passed),
                checks,
                os,
              }),
            ],
      draft: compact({
        ...envelope,
        kind: 'auth',
        outcome,
        auth_method: factor && (FACTORS[factor] ?? factor),
        mfa: factor !== undefined && factor !== 'not_available' ? true : undefined,
        idp: 'duo',
        failure_reason:
          outcome === 'success' ? undefined : result === 'fraud' ? `fraud: ${reason ?? 'marked by the user'}` : (reason ?? result),
      }),
    };
  },
};
