// OCSF 1.x records as an OCSF-emitting access broker writes them (Authentication 3002, Authorize
// Session 3003, Device Config State Change 5019), the inverse of the OCSF normalizer. OCSF carries
// the tenant (metadata.tenant_uid) but not a decision's latency nor the posture agent's version.
import type { Truth } from './shapes.js';
import { leaveOut, type VendorShape } from './vendorShape.js';

const PRODUCT = { vendor_name: 'Simulated', name: 'Access Broker' };
const EMITTER = `ocsf:${PRODUCT.vendor_name}/${PRODUCT.name}`;
const AUTH_STATUS = { success: 1, failure: 2, error: 0 } as const;
const DECISION_STATUS = { allow: 1, deny: 2, error: 0 } as const;

function statusDetail(t: Truth): string | undefined {
  if (t.kind === 'auth') return t.outcome === 'success' ? undefined : (t.failure_reason as string | undefined);
  return t.decision === 'allow' ? undefined : (t.reasons as string[])[0];
}

export const ocsf: VendorShape = {
  carries: (t) => t.kind !== 'token',
  conform(t) {
    t.emitter_id = EMITTER;
    leaveOut(t, 'correlation_id', 'asn');
    if (t.kind === 'auth') {
      t.idp = PRODUCT.name;
      leaveOut(t, 'latency_ms');
    } else if (t.kind === 'policy') {
      // The broker decides, and the enforcement points behind it are not in its records.
      t.enforcement_point = PRODUCT.name;
      leaveOut(t, 'rule', 'eval_latency_ms', 'request_latency_ms');
    } else {
      // Only the states that impair the device are reported.
      t.checks = (t.checks as Array<{ passed: boolean }>).filter((c) => !c.passed);
      leaveOut(t, 'agent_version', 'posture_score', 'session_id', 'src_ip', 'user_agent', 'geo_country');
    }
  },
  render(t, rng) {
    const base = {
      time: Date.parse(t.time),
      metadata: { version: '1.1.0', product: PRODUCT, uid: rng.uuid(), tenant_uid: t.tenant },
      user: { email_addr: t.principal_id, type_id: t.principal_type === 'service' ? 4 : 1 },
      device: { uid: t.device_id, ...(t.os ? { os: { name: t.os } } : {}) },
      src_endpoint: { ip: t.src_ip, location: { country: t.geo_country } },
      http_request: { user_agent: t.user_agent },
      session: { uid: t.session_id },
    };
    if (t.kind === 'posture') {
      const impaired = (t.checks as Array<{ name: string }>).map((c) => ({ state_id: 99, state: c.name }));
      const { src_endpoint: _src, http_request: _http, session: _session, ...device } = base;
      return {
        ...device,
        class_uid: 5019,
        class_name: 'Device Config State Change',
        security_level_id: t.compliant ? 1 : 2,
        security_states: impaired,
      };
    }
    const status =
      t.kind === 'auth' ? AUTH_STATUS[t.outcome as keyof typeof AUTH_STATUS] : DECISION_STATUS[t.decision as keyof typeof DECISION_STATUS];
    const detail = statusDetail(t);
    if (t.kind === 'auth') {
      return {
        ...base,
        class_uid: 3002,
        class_name: 'Authentication',
        activity_id: 1,
        status_id: status,
        ...(detail ? { status_detail: detail } : {}),
        auth_protocol: t.auth_method,
        is_mfa: t.mfa,
        service: { name: t.app },
      };
    }
    return {
      ...base,
      class_uid: 3003,
      class_name: 'Authorize Session',
      activity_id: 99,
      activity_name: t.action,
      status_id: status,
      ...(detail ? { status_detail: detail } : {}),
      policy: { uid: t.policy_id, version: t.policy_version },
      service: { name: t.app },
    };
  },
};
