// The access gateways' shapes: Cloudflare Access and Gateway (Logpush), Zscaler ZPA user activity
// (LSS) and Teleport's audit log, each the inverse of its normalizer. None carries a tenant.
import type { Rng } from './rng.js';
import type { Truth } from './shapes.js';
import { ctime, leaveOut, type VendorShape } from './vendorShape.js';

/** ZPA's reason code for each decision (browser access writes the same codes). */
export const ZPA_REASON = {
  allow: '',
  deny: 'BRK_MT_SETUP_FAIL_REJECTED_BY_POLICY',
  error: 'BRK_MT_SETUP_FAIL_NO_CONNECTOR_AVAILABLE',
} as const;
const reasons = (t: Truth) => (t.reasons as string[] | undefined) ?? [];
const port = (rng: Rng) => 1024 + rng.int(64_000);

export const cloudflareAccess: VendorShape = {
  // A login is allowed or not: Access logs no evaluation that failed.
  carries: (t) => t.kind === 'policy' && t.decision !== 'error',
  conform(t, defaultTenant) {
    Object.assign(t, {
      tenant: defaultTenant,
      emitter_id: 'cloudflare-access',
      enforcement_point: 'cloudflare-access',
      action: 'login',
      reasons: [],
    });
    leaveOut(t, 'policy_version', 'rule', 'eval_latency_ms', 'request_latency_ms', 'session_id', 'device_id', 'user_agent', 'asn');
  },
  render: (t, rng) => ({
    RayID: rng.hex(16),
    Action: 'login',
    Allowed: t.decision === 'allow',
    AppDomain: t.app,
    AppUUID: t.policy_id,
    Connection: 'saml',
    Country: String(t.geo_country).toLowerCase(),
    CreatedAt: t.time,
    Email: t.principal_id,
    IPAddress: t.src_ip,
    UserUID: rng.uuid(),
  }),
};

export const cloudflareGateway: VendorShape = {
  carries: (t) => t.kind === 'policy' && t.decision !== 'error',
  conform(t, defaultTenant) {
    Object.assign(t, {
      tenant: defaultTenant,
      emitter_id: `cloudflare-gateway:${t.tenant}`,
      enforcement_point: 'cloudflare-gateway',
      action: t.action === 'read' ? 'GET' : 'POST',
      reasons: [],
    });
    leaveOut(t, 'policy_version', 'eval_latency_ms', 'request_latency_ms', 'session_id', 'geo_country', 'asn');
  },
  render: (t, rng) => ({
    Datetime: t.time,
    AccountID: String(t.emitter_id).slice('cloudflare-gateway:'.length),
    Action: t.decision === 'allow' ? 'allow' : 'block',
    RequestID: rng.hex(32),
    PolicyID: t.policy_id,
    PolicyName: t.rule,
    Email: t.principal_id,
    UserID: rng.uuid(),
    DeviceID: t.device_id,
    // Logpush writes the peer with its port.
    SourceIP: `${String(t.src_ip)}:${port(rng)}`,
    HTTPHost: t.app,
    HTTPMethod: t.action,
    URL: `https://${String(t.app)}/`,
    UserAgent: t.user_agent,
  }),
};

export const zpaUserActivity: VendorShape = {
  carries: (t) => t.kind === 'policy',
  conform(t, defaultTenant) {
    const reason = ZPA_REASON[t.decision as keyof typeof ZPA_REASON];
    Object.assign(t, {
      tenant: defaultTenant,
      emitter_id: `zpa:${t.tenant}`,
      enforcement_point: 'broker1a.sim',
      action: 'tcp/443',
      reasons: reason ? [reason] : [],
    });
    leaveOut(t, 'policy_version', 'rule', 'device_id', 'user_agent', 'asn');
  },
  render: (t, rng) => ({
    LogTimestamp: ctime(t.time),
    Customer: String(t.emitter_id).slice('zpa:'.length),
    SessionID: t.session_id,
    ConnectionID: rng.hex(20),
    InternalReason: ZPA_REASON[t.decision as keyof typeof ZPA_REASON],
    ConnectionStatus: t.decision === 'allow' ? 'open' : 'close',
    Username: t.principal_id,
    IPProtocol: 6,
    ServicePort: 443,
    ClientPublicIP: t.src_ip,
    ClientPrivateIP: `10.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`,
    ClientCountryCode: t.geo_country,
    Policy: t.policy_id,
    Application: t.app,
    Host: `${String(t.app)}.internal.example`,
    ClientZEN: t.enforcement_point,
    // Whole µs: the truth's milliseconds to three places are exactly that.
    PolicyProcessingTime: Math.round((t.eval_latency_ms as number) * 1000),
    // The connection's setup, in µs: what the user waited on the broker (no answer, no wait).
    ...(t.request_latency_ms === undefined ? {} : { ConnectionSetupTime: Math.round((t.request_latency_ms as number) * 1000) }),
    TimestampConnectionStart: t.time,
  }),
};

export const teleport: VendorShape = {
  // Teleport names its own failures only by the user's: no IdP error, no decision error.
  carries: (t) => (t.kind === 'auth' && t.outcome !== 'error') || (t.kind === 'policy' && t.decision !== 'error'),
  conform(t, defaultTenant) {
    const cluster = `${t.tenant}.teleport.example`;
    Object.assign(t, { tenant: defaultTenant, emitter_id: `teleport:${cluster}` });
    leaveOut(t, 'correlation_id', 'user_agent', 'geo_country', 'asn');
    if (t.kind === 'auth') {
      Object.assign(t, { auth_method: 'local', idp: 'teleport' });
      leaveOut(t, 'latency_ms', 'session_id', 'device_id', 'app');
      return;
    }
    Object.assign(t, { enforcement_point: cluster, action: t.decision === 'allow' ? 'session.start' : 'db.session.start' });
    leaveOut(t, 'policy_id', 'policy_version', 'rule', 'eval_latency_ms', 'request_latency_ms', 'device_id');
    if (t.decision === 'allow') t.reasons = [];
  },
  render(t, rng) {
    const base = {
      uid: rng.uuid(),
      time: t.time,
      user: t.principal_id,
      cluster_name: String(t.enforcement_point ?? String(t.emitter_id).slice('teleport:'.length)),
      'addr.remote': `${String(t.src_ip)}:${port(rng)}`,
    };
    if (t.kind === 'auth') {
      const ok = t.outcome === 'success';
      return {
        ...base,
        event: 'user.login',
        code: ok ? 'T1000I' : 'T1000W',
        method: 'local',
        success: ok,
        ...(ok ? {} : { error: t.failure_reason }),
        ...(t.mfa ? { mfa_device: { mfa_device_name: 'yubikey', mfa_device_type: 'WebAuthn' } } : {}),
      };
    }
    // An allowed session starts; a refused one is a database session Teleport's roles denied.
    return t.decision === 'allow'
      ? { ...base, event: 'session.start', code: 'T2000I', sid: t.session_id, server_hostname: t.app }
      : { ...base, event: 'db.session.start', code: 'TDB00W', sid: t.session_id, db_service: t.app, success: false, error: reasons(t)[0] };
  },
};
