// Microsoft Intune managed devices, as Intune's diagnostic settings export them (log category
// `Devices`, to Event Hubs or Log Analytics: time, tenantId, category, properties with DeviceId,
// DeviceName, UPN, UserEmail, OS, OSVersion, CompliantState, EncryptionStatusString, JailBroken,
// DeviceState, DeviceRegistrationState, LastContact). Each record is a device's compliance
// snapshot: a posture report with Intune's verdict and what it is made of as checks.
import { compact, deriveEventId, emailPrincipal, isObject, isoTime, str, type Json } from '../fields.js';
import type { NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';

// CompliantState: InGracePeriod is non-compliant with time to fix it; Unknown and ConfigManager
// (compliance left to Configuration Manager) are no verdict of Intune's.
const COMPLIANT: Record<string, boolean> = { compliant: true, noncompliant: false, ingraceperiod: false, conflict: false, error: false };
const YES_NO: Record<string, boolean> = { true: true, false: false, yes: true, no: false };

const flag = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : YES_NO[String(str(value)).toLowerCase()]);

export const intuneSource: SourceNormalizer = {
  name: 'intune',
  detect: (record) => record.category === 'Devices' && isObject(record.properties) && 'CompliantState' in record.properties,
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    const device = record.properties as Json;
    const state = str(device.CompliantState) ?? 'unknown';
    const compliant = COMPLIANT[state.toLowerCase()];
    if (compliant === undefined) return { skip: `Devices (${state})` };
    const encrypted = flag(device.EncryptionStatusString);
    const jailbroken = flag(device.JailBroken);
    const managed = str(device.DeviceState);
    const registered = str(device.DeviceRegistrationState);
    const checks = [
      { name: 'intune_compliance', passed: compliant },
      ...(encrypted === undefined ? [] : [{ name: 'encryption', passed: encrypted }]),
      ...(jailbroken === undefined ? [] : [{ name: 'not_jailbroken', passed: !jailbroken }]),
      ...(managed === undefined ? [] : [{ name: 'managed', passed: managed === 'Managed' }]),
      ...(registered === undefined ? [] : [{ name: 'registered', passed: registered === 'Registered' }]),
    ];
    const os = str(device.OS);
    const version = str(device.OSVersion);
    const user = emailPrincipal(device.UPN) ?? emailPrincipal(device.UserEmail);
    // The state is as of the device's last check-in: a daily export repeats a device that has not
    // checked in since, and those repeats are one report.
    const time = isoTime(device.LastContact) ?? isoTime(record.time);
    const tenant = str(record.tenantId) ?? str(device.AADTenantId);
    return {
      draft: compact({
        kind: 'posture',
        event_id: deriveEventId('intune', tenant, str(device.DeviceId), time, state, encrypted === undefined ? '' : String(encrypted)),
        time,
        // The Entra tenant, as Entra's sign-ins are stored: one organisation's devices and sign-ins together.
        tenant: tenant ?? ctx.defaultTenant,
        source: 'intune',
        emitter_id: str(device.IntuneAccountId) ? `intune:${str(device.IntuneAccountId)}` : 'intune',
        principal_id: user ?? str(device.PrimaryUser),
        principal_type: user || str(device.PrimaryUser) ? ('user' as const) : undefined,
        device_id: str(device.DeviceId),
        compliant,
        checks,
        os: os && version ? `${os} ${version}` : (os ?? version),
      }),
    };
  },
};
