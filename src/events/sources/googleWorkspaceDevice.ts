// Google Workspace device audit activities, as the Admin SDK Reports API returns them
// (activities.list with applicationName=mobile: `kind` admin#reports#activity, `id`, `actor`,
// `ipAddress`, `events` of the device types with typed parameters). An event that carries a
// verdict on the device (DEVICE_COMPLIANCE, DEVICE_COMPROMISED_STATE, the Play integrity checks)
// is a posture report with each verdict a check; a device event without one (a sync, an app
// installed) is skipped by its name.
import { at, compact, deriveEventId, emailPrincipal, ipAddress, isoTime, str, type Json } from '../fields.js';
import type { NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';
import { parameter, reportEvent } from './googleReports.js';

// The device application's event types (the login application's are another source's).
const DEVICE_EVENT_TYPES = new Set(['device_actions', 'device_applications', 'device_updates', 'security_events']);
// Each verdict parameter: the check it is, and which values pass or fail it (any other value, such
// as a placeholder, is no verdict).
const VERDICTS: ReadonlyArray<readonly [field: string, check: string, values: Record<string, boolean>]> = [
  ['DEVICE_COMPLIANCE', 'device_compliance', { COMPLIANT: true, NON_COMPLIANT: false, NOT_COMPLIANT: false }],
  ['DEVICE_COMPROMISED_STATE', 'not_compromised', { NOT_COMPROMISED: true, COMPROMISED: false }],
  ['BASIC_INTEGRITY', 'basic_integrity', { PASSED: true, PASS: true, TRUE: true, FAILED: false, FAIL: false, FALSE: false }],
  ['CTS_PROFILE_MATCH', 'cts_profile_match', { PASSED: true, PASS: true, TRUE: true, FAILED: false, FAIL: false, FALSE: false }],
];

const deviceEvent = (record: Json) => reportEvent(record, DEVICE_EVENT_TYPES);

export const googleWorkspaceDeviceSource: SourceNormalizer = {
  name: 'google_workspace_device',
  detect: (record) => deviceEvent(record) !== undefined,
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    const event = deviceEvent(record);
    const name = str(event?.name) ?? 'unknown';
    const checks = VERDICTS.flatMap(([field, check, values]) => {
      const passed = values[String(str(parameter(event, field))).toUpperCase()];
      return passed === undefined ? [] : [{ name: check, passed }];
    });
    if (checks.length === 0) return { skip: name };
    const customer = str(at(record, 'id.customerId'));
    const time = isoTime(at(record, 'id.time'));
    const user = emailPrincipal(parameter(event, 'USER_EMAIL')) ?? emailPrincipal(at(record, 'actor.email'));
    const deviceType = str(parameter(event, 'DEVICE_TYPE'));
    const version = str(parameter(event, 'OS_VERSION'));
    return {
      draft: compact({
        kind: 'posture',
        // The Reports API's identity of an activity: its time and unique qualifier, per event name.
        event_id: deriveEventId('google_workspace_device', customer, time, str(at(record, 'id.uniqueQualifier')), name),
        time,
        tenant: ctx.defaultTenant,
        source: 'google_workspace_device',
        emitter_id: customer ? `google_workspace:${customer}` : 'google_workspace',
        principal_id: user,
        principal_type: user === undefined ? undefined : ('user' as const),
        device_id: str(parameter(event, 'DEVICE_ID')) ?? str(parameter(event, 'RESOURCE_ID')),
        src_ip: ipAddress(record.ipAddress),
        compliant: checks.every((c) => c.passed),
        checks,
        os: deviceType && version ? `${deviceType} ${version}` : (deviceType ?? version),
      }),
    };
  },
};
