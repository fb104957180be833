// Cloudflare Zero Trust device posture results, as Logpush writes them (dataset
// `device_posture_results`: Timestamp, DeviceID, DeviceName, DeviceType, OSVersion, ClientVersion,
// Email, UserUID, PolicyID, PostureCheckName, PostureCheckType, PostureEvaluatedResult,
// PostureExpectedJSON, PostureReceivedJSON). Each record is one posture check evaluated on one
// device: a posture report with that check, compliant when it passed.
import { compact, deriveEventId, emailPrincipal, isoTime, str, type Json } from '../fields.js';
import type { NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';

export const cloudflareDevicePostureSource: SourceNormalizer = {
  name: 'cloudflare_device_posture',
  detect: (record) => 'PostureEvaluatedResult' in record && 'PostureCheckType' in record && 'DeviceID' in record,
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    if (typeof record.PostureEvaluatedResult !== 'boolean')
      return { skip: `${str(record.PostureCheckType) ?? 'posture'} without a result` };
    const time = isoTime(record.Timestamp);
    const check = str(record.PostureCheckName) ?? str(record.PostureCheckType) ?? 'posture check';
    const platform = str(record.DeviceType);
    const version = str(record.OSVersion);
    return {
      draft: compact({
        kind: 'posture',
        // One check on one device at one time (whichever way Logpush wrote the time: the samples repeat one event so).
        event_id: deriveEventId('cloudflare_device_posture', str(record.DeviceID), str(record.PolicyID), check, time),
        time,
        tenant: ctx.defaultTenant,
        source: 'cloudflare_device_posture',
        emitter_id: 'cloudflare-device-posture',
        correlation_id: str(record.RegistrationID),
        // Cloudflare matches identities by email without case.
        principal_id: emailPrincipal(record.Email) ?? str(record.UserUID),
        principal_type: str(record.Email) || str(record.UserUID) ? ('user' as const) : undefined,
        device_id: str(record.DeviceID),
        compliant: record.PostureEvaluatedResult,
        checks: [{ name: check, passed: record.PostureEvaluatedResult }],
        agent_version: str(record.ClientVersion),
        os: platform && version ? `${platform} ${version}` : (platform ?? version),
      }),
    };
  },
};
