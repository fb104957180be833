// OCSF 1.x records (https://schema.ocsf.io), whoever emits them: AWS Security Lake, AWS Verified
// Access, and the many vendors that write OCSF. Authentication (3002) → auth; Authorize Session
// (3003) and the access classes Verified Access writes (Access Activity 3006 of 1.0.0-rc.2, Access
// Logs 208001 of 0.1) → policy; Device Config State Change (5019) and a device's Compliance Finding
// (2003) → posture. Every other class is skipped by its name, never rejected.
import type { AuthEvent, PolicyEvent } from '../schema.js';
import { at, compact, deriveEventId, emailPrincipal, firstStr, ipAddress, isObject, isoTime, num, str, type Json } from '../fields.js';
import type { Draft, NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';

const CLASS = {
  complianceFinding: 2003,
  authentication: 3002,
  authorizeSession: 3003,
  accessActivity: 3006,
  deviceConfigStateChange: 5019,
  verifiedAccessLogs: 208001,
} as const;

// status_id: 1 Success, 2 Failure; 0 Unknown and 99 Other say nothing about the user.
const OUTCOME: Record<number, AuthEvent['outcome']> = { 1: 'success', 2: 'failure' };
const DECISION: Record<string, PolicyEvent['decision']> = { '1': 'allow', '2': 'deny', allow: 'allow', deny: 'deny' };
// security_level_id: 1 Secure, 2 At Risk, 3 Compromised. compliance.status_id: 1 Pass, 2 Warning, 3 Fail.
const SECURE_LEVEL: Record<number, boolean> = { 1: true, 2: false, 3: false };
const COMPLIANCE_PASSED: Record<number, boolean> = { 1: true, 2: true, 3: false };
const COMPLIANCE_STATUS: Record<string, number> = { pass: 1, warning: 2, fail: 3 };
// user.type_id: 3 System and 4 Service are workloads; 1 User and 2 Admin are people.
const SERVICE_USER_TYPES = new Set([3, 4]);

const objects = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);

/** The user the event is about: the class's `user`, else the actor's (and Verified Access 0.1's `identity`). */
function subjectOf(record: Json): Json {
  for (const path of ['user', 'actor.user', 'identity.user']) {
    const user = at(record, path);
    if (isObject(user)) return user;
  }
  return {};
}

function envelope(record: Json, classUid: number, ctx: NormalizeContext): Json {
  const user = subjectOf(record);
  const userType = num(user.type_id);
  const product = [str(at(record, 'metadata.product.vendor_name')), str(at(record, 'metadata.product.name'))].filter(Boolean).join('/');
  const metadataUid = str(at(record, 'metadata.uid'));
  return compact({
    // metadata.uid is the emitter's id of the event; without one, the record's content is its identity.
    event_id: metadataUid ? deriveEventId('ocsf', classUid, metadataUid) : deriveEventId('ocsf', JSON.stringify(record)),
    time: isoTime(record.time) ?? isoTime(record.time_dt),
    tenant: str(at(record, 'metadata.tenant_uid')) ?? ctx.defaultTenant,
    source: 'ocsf',
    emitter_id: `ocsf:${product || 'unknown'}`,
    correlation_id: str(at(record, 'metadata.correlation_uid')),
    session_id: firstStr(record, ['session.uid', 'actor.session.uid']),
    principal_id: emailPrincipal(user.email_addr) ?? str(user.uid) ?? str(user.name),
    principal_type:
      Object.keys(user).length === 0 ? undefined : userType !== undefined && SERVICE_USER_TYPES.has(userType) ? 'service' : 'user',
    device_id: firstStr(record, ['device.uid', 'device.hostname']),
    src_ip: ipAddress(at(record, 'src_endpoint.ip')) ?? ipAddress(at(record, 'device.ip')),
    user_agent: firstStr(record, ['http_request.user_agent']),
    geo_country: firstStr(record, ['src_endpoint.location.country']),
    asn: num(at(record, 'src_endpoint.autonomous_system.number')),
    app: firstStr(record, [
      'service.name',
      'dst_endpoint.hostname',
      'http_request.url.hostname',
      'dst_endpoint.svc_name',
      'dst_endpoint.ip',
    ]),
  });
}

function authentication(record: Json, base: Json): Draft {
  const status = num(record.status_id) ?? 0;
  const outcome = OUTCOME[status] ?? 'error';
  return compact({
    ...base,
    kind: 'auth',
    outcome,
    auth_method: firstStr(record, ['auth_protocol', 'logon_type'])?.toLowerCase(),
    mfa: typeof record.is_mfa === 'boolean' ? record.is_mfa : undefined,
    idp: firstStr(record, ['actor.idp.name', 'metadata.product.name']),
    failure_reason: outcome === 'success' ? undefined : firstStr(record, ['status_detail', 'status']),
    ocsf_activity_id: num(record.activity_id),
  });
}

function authorizations(record: Json): Json[] {
  for (const path of ['authorizations', 'actor.authorizations', 'identity.authorizations', 'data.authorizations']) {
    const list = objects(at(record, path));
    if (list.length > 0) return list;
  }
  return [];
}

function accessDecision(record: Json, classUid: number, base: Json): Draft {
  const granted = authorizations(record)[0];
  const decision = DECISION[String(num(record.status_id))] ?? DECISION[String(str(granted?.decision)).toLowerCase()] ?? ('error' as const);
  const detail = firstStr(record, ['status_detail', 'status_details']);
  return compact({
    ...base,
    kind: 'policy',
    decision,
    policy_id: str(at(granted, 'policy.uid')) ?? str(at(granted, 'policy.name')) ?? firstStr(record, ['policy.uid', 'policy.name']),
    policy_version: firstStr(record, ['policy.version']),
    action: firstStr(record, ['http_request.http_method', 'activity_name', 'activity']),
    reasons: decision === 'allow' || detail === undefined ? [] : [detail],
    enforcement_point: firstStr(record, ['proxy.uid', 'proxy.svc_name', 'metadata.product.name']),
    // Authorize Session's activities are the canonical policy class's own; the access classes' are not.
    ocsf_activity_id: classUid === CLASS.authorizeSession ? num(record.activity_id) : undefined,
  });
}

function deviceState(record: Json, base: Json): SourceResult {
  const states = objects(record.security_states).filter((s) => num(s.state_id) !== 0);
  const level = SECURE_LEVEL[num(record.security_level_id) ?? 0];
  const compliant = level ?? (Array.isArray(record.security_states) ? states.length === 0 : undefined);
  if (compliant === undefined) return { skip: 'Device Config State Change without a security level' };
  return {
    draft: compact({
      ...base,
      kind: 'posture',
      compliant,
      // Each security state the device reports is one that impairs it (protection off, policy mismatch, …).
      checks: states.map((s) => ({ name: str(s.state) ?? `state ${num(s.state_id)}`, passed: false })),
      os: firstStr(record, ['device.os.name']),
      ocsf_activity_id: num(record.activity_id),
    }),
  };
}

function complianceFinding(record: Json, base: Json): SourceResult {
  if (!isObject(record.device)) return { skip: 'Compliance Finding not about a device' };
  const statusOf = (c: Json) => num(c.status_id) ?? COMPLIANCE_STATUS[String(str(c.status)).toLowerCase()];
  const compliance = isObject(record.compliance) ? record.compliance : {};
  const passed = COMPLIANCE_PASSED[statusOf(compliance) ?? 0];
  if (passed === undefined) return { skip: 'Compliance Finding without a status' };
  const checks = objects(compliance.checks).flatMap((c) => {
    const name = str(c.name) ?? str(c.uid);
    const ok = COMPLIANCE_PASSED[statusOf(c) ?? 0];
    return name === undefined || ok === undefined ? [] : [{ name, passed: ok }];
  });
  const control = str(compliance.control) ?? firstStr(record, ['finding_info.title', 'finding_info.uid']);
  return {
    draft: compact({
      ...base,
      kind: 'posture',
      compliant: passed,
      checks: checks.length > 0 ? checks : control === undefined ? [] : [{ name: control, passed }],
      os: firstStr(record, ['device.os.name']),
    }),
  };
}

export const ocsfSource: SourceNormalizer = {
  name: 'ocsf',
  // Every OCSF event has class_uid and metadata with the schema version and the product.
  detect: (record) =>
    record.class_uid !== undefined && isObject(record.metadata) && 'version' in record.metadata && 'product' in record.metadata,
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    const classUid = num(record.class_uid) ?? 0;
    const base = envelope(record, classUid, ctx);
    switch (classUid) {
      case CLASS.authentication:
        return { draft: authentication(record, base) };
      case CLASS.authorizeSession:
      case CLASS.accessActivity:
      case CLASS.verifiedAccessLogs:
        return { draft: accessDecision(record, classUid, base) };
      case CLASS.deviceConfigStateChange:
        return deviceState(record, base);
      case CLASS.complianceFinding:
        return complianceFinding(record, base);
      default:
        return { skip: str(record.class_name) ?? `class ${classUid}` };
    }
  },
};
