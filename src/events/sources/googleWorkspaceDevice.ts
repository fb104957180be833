// Google Workspace device audit activities, as the Admin SDK Reports API returns them
// (activities.list with applicationName=mobile: `kind` admin#reports#activity, `id`, `actor`,
// `ipAddress`, `events` of the device types with typed parameters). An event that carries a
// verdict on the device (DEVICE_COMPLIANCE, DEVICE_COMPROMISED_STATE, the Play integrity checks)
// is a posture report with each verdict a check; a device event without one (a sync, an app
// installed) is skipped by its name.
import { at, compact, deriveEventId, emailPrincipal, ipAddress, isObject, isoTime, str, type Json } from '../fields.js';
import type { NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';

// The device application's event types (the login application's are another source's).
const DEVICE_EVENT_TYPES = new Set(['device_actions', 'device_applications', 'device_updates', 'security_events']);
// Each verdict parameter: the check it is, and which values pass or fail it (any other value, such
// as a placeholder, is no verdict).
const VERDICTS: ReadonlyArray<readonly [parameter: string, check: string, values: Record<string, boolean>]> = [
  ['DEVICE_COMPLIANCE', 'device_compliance', { COMPLIANT: true, NON_COMPLIANT: false, NOT_COMPLIANT: false }],
  ['DEVICE_COMPROMISED_STATE', 'not_compromised', { NOT_COMPROMISED: true, COMPROMISED: false }],
  ['BASIC_INTEGRITY', 'basic_integrity', { PASSED: true, PASS: true, TRUE: true, FAILED: false, FAIL: false, FALSE: false }],
  ['CTS_PROFILE_MATCH', 'cts_profile_match', { PASSED: true, PASS: true, TRUE: true, FAILED: false, FAIL: false, FALSE: false }],
];

/** The activity's first device event: the API sends `events` as a list, exports often one per record. */
function deviceEvent(record: Json): Json | undefined {
  if (record.kind !== 'admin#reports#activity') return undefined;
  const events = Array.isArray(record.events) ? record.events : [record.events];
  return events.find((event): event is Json => isObject(event) && DEVICE_EVENT_TYPES.has(String(event.type)));
}

/** The event's parameters by name, each value from whichever typed field holds it (a multi-value as its first). */
function parameters(event: Json): Map<string, unknown> {
  const list = Array.isArray(event.parameters) ? event.parameters.filter(isObject) : [];
  return new Map(
    list.map((p) => [String(p.name), p.value ?? p.boolValue ?? p.intValue ?? (Array.isArray(p.multiValue) ? p.multiValue[0] : undefined)]),
  );
}

export const googleWorkspaceDeviceSource: SourceNormalizer = {
  name: 'google_workspace_device',
  detect: (record) => deviceEvent(record) !== undefined,
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    const event = deviceEvent(record);
    const name = str(event?.name) ?? 'unknown';
    const params = event ? parameters(event) : new Map<string, unknown>();
    const checks = VERDICTS.flatMap(([parameter, check, values]) => {
      const passed = values[String(str(params.get(parameter))).toUpperCase()];
      return passed === undefined ? [] : [{ name: check, passed }];
    });
    if (checks.length === 0) return { skip: name };
    const customer = str(at(record, 'id.customerId'));
    const time = isoTime(at(record, 'id.time'));
    const user = emailPrincipal(params.get('USER_EMAIL')) ?? emailPrincipal(at(record, 'actor.email'));
    const deviceType = str(params.get('DEVICE_TYPE'));
    const version = str(params.get('OS_VERSION'));
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
        device_id: str(params.get('DEVICE_ID')) ?? str(params.get('RESOURCE_ID')),
        src_ip: ipAddress(record.ipAddress),
        compliant: checks.every((c) => c.passed),
        checks,
        os: deviceType && version ? `${deviceType} ${version}` : (deviceType ?? version),
      }),
    };
  },
};
