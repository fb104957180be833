// The device posture agents' shapes: Zscaler ZPA user status (LSS), Cloudflare device posture
// results (Logpush), Microsoft Intune's device export and Google Workspace device activities, each
// the inverse of its normalizer. Intune carries the (Entra) tenant; the others do not.
import type { Truth } from './shapes.js';
import { ctime, leaveOut, osParts, wholeSeconds, type VendorShape } from './vendorShape.js';

type Check = { name: string; passed: boolean };
const checksOf = (t: Truth) => t.checks as Check[];
const isPosture = (t: Truth) => t.kind === 'posture';

export const zpaUserStatus: VendorShape = {
  carries: isPosture,
  conform(t, defaultTenant) {
    Object.assign(t, { tenant: defaultTenant, emitter_id: `zpa:${t.tenant}`, time: wholeSeconds(t.time) });
    leaveOut(t, 'correlation_id', 'user_agent', 'asn', 'posture_score');
  },
  render: (t) => ({
    LogTimestamp: ctime(t.time),
    Customer: String(t.emitter_id).slice('zpa:'.length),
    Username: t.principal_id,
    SessionID: t.session_id,
    SessionStatus: 'ZPN_STATUS_AUTHENTICATED',
    Version: t.agent_version,
    ZEN: 'broker1a.sim',
    PublicIP: t.src_ip,
    PrivateIP: '',
    CountryCode: t.geo_country,
    Hostname: t.device_id,
    Platform: t.os,
    ClientType: 'zpn_client_type_zapp',
    PosturesHit: checksOf(t)
      .filter((c) => c.passed)
      .map((c) => c.name)
      .join(','),
    PosturesMiss: checksOf(t)
      .filter((c) => !c.passed)
      .map((c) => c.name),
  }),
};

export const cloudflareDevicePosture: VendorShape = {
  carries: isPosture,
  conform(t, defaultTenant) {
    // One check per record: the first that failed, else the first.
    const check = checksOf(t).find((c) => !c.passed) ?? checksOf(t)[0]!;
    Object.assign(t, { tenant: defaultTenant, emitter_id: 'cloudflare-device-posture', checks: [check] });
    leaveOut(t, 'session_id', 'src_ip', 'user_agent', 'geo_country', 'asn', 'posture_score');
  },
  render(t, rng) {
    const [check] = checksOf(t);
    const [platform, version] = osParts(t.os);
    // The device's verdict is the check's: a scenario may have changed the verdict alone.
    const passed = t.compliant === true;
    return {
      Timestamp: t.time,
      ClientVersion: t.agent_version,
      DeviceID: t.device_id,
      DeviceName: `sim-${String(t.device_id).slice(-6)}`,
      DeviceType: platform,
      OSVersion: version,
      Email: t.principal_id,
      UserUID: rng.uuid(),
      PolicyID: `sim-posture-${check!.name}`,
      PostureCheckName: check!.name,
      PostureCheckType: check!.name,
      PostureEvaluatedResult: passed,
      PostureExpectedJSON: {},
      PostureReceivedJSON: {},
      RegistrationID: t.correlation_id,
    };
  },
};

export const intune: VendorShape = {
  carries: isPosture,
  conform(t) {
    const encrypted = checksOf(t).find((c) => c.name === 'disk_encryption')?.passed ?? true;
    Object.assign(t, {
      emitter_id: `intune:${t.tenant}`,
      checks: [
        { name: 'intune_compliance', passed: t.compliant },
        { name: 'encryption', passed: encrypted },
        { name: 'not_jailbroken', passed: true },
        { name: 'managed', passed: true },
        { name: 'registered', passed: true },
      ],
    });
    leaveOut(t, 'session_id', 'src_ip', 'user_agent', 'geo_country', 'asn', 'agent_version', 'posture_score', 'correlation_id');
  },
  render(t) {
    const [os, version] = osParts(t.os);
    const checks = checksOf(t);
    // The device's last check-in, as Intune writes it: no zone, seven fractional digits.
    const lastContact = `${t.time.slice(0, 10)} ${t.time.slice(11, 23)}0000`;
    return {
      time: t.time,
      tenantId: t.tenant,
      category: 'Devices',
      operationName: 'Devices',
      resultType: 'None',
      properties: {
        DeviceId: t.device_id,
        DeviceName: `SIM-${String(t.device_id).slice(-6).toUpperCase()}`,
        UPN: t.principal_id,
        UserEmail: t.principal_id,
        LastContact: lastContact,
        OS: os,
        OSVersion: version,
        CompliantState: t.compliant ? 'Compliant' : 'Noncompliant',
        EncryptionStatusString: checks.find((c) => c.name === 'encryption')?.passed ? 'True' : 'False',
        JailBroken: 'False',
        DeviceState: 'Managed',
        DeviceRegistrationState: 'Registered',
        ManagedBy: 'Intune',
        IntuneAccountId: String(t.emitter_id).slice('intune:'.length),
      },
    };
  },
};

export const googleWorkspaceDevice: VendorShape = {
  carries: isPosture,
  conform(t, defaultTenant) {
    Object.assign(t, {
      tenant: defaultTenant,
      emitter_id: `google_workspace:C0${t.tenant}`,
      checks: [{ name: 'device_compliance', passed: t.compliant }],
    });
    leaveOut(t, 'session_id', 'user_agent', 'geo_country', 'asn', 'agent_version', 'posture_score', 'correlation_id');
  },
  render(t, rng) {
    const [type, version] = osParts(t.os);
    const parameter = (name: string, value: unknown) => ({ name, value });
    return {
      kind: 'admin#reports#activity',
      id: {
        time: t.time,
        uniqueQualifier: String(rng.int(2 ** 31)) + String(rng.int(2 ** 31)),
        applicationName: 'mobile',
        customerId: String(t.emitter_id).slice('google_workspace:'.length),
      },
      actor: { callerType: 'USER', email: t.principal_id },
      ipAddress: t.src_ip,
      events: [
        {
          type: 'device_updates',
          name: 'DEVICE_COMPLIANCE_CHANGED_EVENT',
          parameters: [
            parameter('DEVICE_COMPLIANCE', t.compliant ? 'COMPLIANT' : 'NON_COMPLIANT'),
            parameter('DEVICE_ID', t.device_id),
            parameter('DEVICE_TYPE', type),
            parameter('OS_VERSION', version),
            parameter('USER_EMAIL', t.principal_id),
          ],
        },
      ],
    };
  },
};
