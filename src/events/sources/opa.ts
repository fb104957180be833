// Open Policy Agent decision logs (https://www.openpolicyagent.org/docs/management-decision-logs).
// Each decision → policy. The evaluation latency is OPA's own measurement
// (metrics.timer_rego_query_eval_ns). The input is read for known fields only:
// it often holds request headers, and an Authorization header must never be copied.
// As Envoy's external authorizer (opa-envoy-plugin), the input is Envoy's CheckRequest: the
// decision is on the request's method and path from the source address, and the bearer token it
// presents is kept only as its HMAC, the credential the decision was made for.
import {
  at,
  compact,
  deriveEventId,
  firstStr,
  httpAction,
  ipAddress,
  isObject,
  isoTime,
  num,
  str,
  tokenFingerprint,
  type Json,
} from '../fields.js';
import type { PolicyEvent } from '../schema.js';
import type { NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';

type Decision = PolicyEvent['decision'];

/** allow/deny from the result document: a boolean, or an object with allow/deny/reasons. */
function decide(result: unknown): { decision: Decision; reasons: string[] } {
  if (typeof result === 'boolean') return { decision: result ? 'allow' : 'deny', reasons: [] };
  if (result === 'true' || result === 'false') return { decision: result === 'true' ? 'allow' : 'deny', reasons: [] };
  if (isObject(result)) {
    const reasonsOf = (v: unknown) => (Array.isArray(v) ? v.map(str).filter((r): r is string => r !== undefined) : []);
    const reasons = [...reasonsOf(result.reasons), ...reasonsOf(result.deny)];
    if (typeof result.allow === 'boolean') return { decision: result.allow ? 'allow' : 'deny', reasons };
    if (typeof result.allowed === 'boolean') return { decision: result.allowed ? 'allow' : 'deny', reasons };
    if (Array.isArray(result.deny)) return { decision: result.deny.length === 0 ? 'allow' : 'deny', reasons };
  }
  // No decision we can read: the engine did not answer the question asked.
  return { decision: 'error', reasons: ['unrecognized result document'] };
}

const ENVOY_HTTP = 'attributes.request.http';
const BEARER = /^bearer\s+(\S+)/i;

/** The bearer token of the Envoy request's Authorization header as its HMAC; the token itself goes no further. */
function bearerFingerprint(input: Json, hmacKey: Buffer): string | undefined {
  const authorization = str(at(input, `${ENVOY_HTTP}.headers.authorization`));
  const token = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
  return token === undefined ? undefined : tokenFingerprint(hmacKey, token);
}

/** Envoy's request time: an RFC 3339 text (protojson) or a Timestamp's seconds and nanos. */
function envoyTime(input: Json): string | undefined {
  const time = at(input, 'attributes.request.time');
  if (!isObject(time)) return isoTime(time);
  const seconds = num(time.seconds);
  return seconds === undefined ? undefined : isoTime(seconds * 1000 + Math.floor((num(time.nanos) ?? 0) / 1e6));
}

export const opaSource: SourceNormalizer = {
  name: 'opa',
  detect: (record) => typeof record.decision_id === 'string' && typeof record.path === 'string',
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    const input = isObject(record.input) ? record.input : {};
    const { decision, reasons } =
      record.error !== undefined && record.error !== null
        ? { decision: 'error' as const, reasons: [str(at(record, 'error.message')) ?? str(record.error) ?? 'evaluation error'] }
        : decide(record.result);
    const bundles = isObject(record.bundles) ? Object.values(record.bundles).filter(isObject) : [];
    const handlerNs = num(at(record, 'metrics.timer_server_handler_ns'));
    const evalNs = num(at(record, 'metrics.timer_rego_query_eval_ns')) ?? handlerNs;
    const sourceAddress = ipAddress(firstStr(input, ['src_ip', 'source_ip', 'attributes.source.address.socketAddress.address']));
    return {
      draft: compact({
        kind: 'policy',
        event_id: deriveEventId('opa', str(record.decision_id)),
        time: isoTime(record.timestamp) ?? envoyTime(input) ?? isoTime(record.time),
        tenant: firstStr(input, ['tenant', 'tenant_id']) ?? str(at(record, 'labels.tenant')) ?? ctx.defaultTenant,
        source: 'opa',
        emitter_id: str(at(record, 'labels.id')) ?? 'opa',
        correlation_id: firstStr(input, ['correlation_id', 'request_id', 'attributes.request.http.id']),
        // Without a session in the input, the bearer token is the credential to follow (token replay keys on it).
        session_id: firstStr(input, ['session_id', 'session.id']) ?? bearerFingerprint(input, ctx.hmacKey),
        principal_id: firstStr(input, ['principal', 'principal_id', 'user', 'user.id', 'subject', 'subject.id', 'parsed_token.sub']),
        principal_type: firstStr(input, ['principal_type', 'subject.type']),
        device_id: firstStr(input, ['device_id', 'device.id']),
        src_ip: sourceAddress,
        user_agent: str(at(input, `${ENVOY_HTTP}.headers.user-agent`)),
        app: firstStr(input, ['app', 'resource', 'resource.id', 'attributes.destination.principal', 'attributes.request.http.host']),
        decision,
        policy_id: str(record.path),
        policy_version: str(bundles[0]?.revision) ?? str(at(record, 'labels.version')),
        rule: firstStr(input, ['rule']),
        action: firstStr(input, ['action', 'method']) ?? httpAction(at(input, `${ENVOY_HTTP}.method`), at(input, `${ENVOY_HTTP}.path`)),
        eval_latency_ms: evalNs === undefined ? undefined : evalNs / 1e6,
        // As Envoy's authorizer, the server's whole answer: Envoy holds the user's request until it comes.
        request_latency_ms: handlerNs === undefined || !isObject(at(input, ENVOY_HTTP)) ? undefined : handlerNs / 1e6,
        reasons,
        enforcement_point: str(record.requested_by),
      }),
    };
  },
};
