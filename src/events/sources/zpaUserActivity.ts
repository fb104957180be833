// Zscaler Private Access user activity, as the Log Streaming Service (LSS) writes it: one record per
// application connection (LogTimestamp in ctime form, Customer, SessionID, ConnectionID,
// ConnectionStatus, InternalReason, Username, ClientPublicIP, Policy, Application, ClientZEN, and
// timings in microseconds). Each connection is ZPA's decision on the application segment.
import type { PolicyEvent } from '../schema.js';
import { compact, deriveEventId, emailPrincipal, ipAddress, isoTime, num, str, type Json } from '../fields.js';
import type { NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';

// InternalReason is empty for a connection set up; otherwise it names why one was refused, failed,
// or closed (`BRK_MT_SETUP_FAIL_REJECTED_BY_POLICY`, `…_SETUP_FAIL_NO_CONNECTOR_AVAILABLE`, `…_CLOSED_FROM_CLIENT`).
const DENIED = /REJECTED_BY_POLICY|NO_POLICY_FOUND|ACCESS_DENIED/;
const FAILED = /SETUP_(?:FAIL|ERR|TIMEOUT)/;
const PROTOCOL: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp' };

/** ZPA's decision from its reason code (empty: set up). Browser access reads its ConnectionReason the same way. */
export function zpaDecision(reason: string | undefined): PolicyEvent['decision'] {
  if (reason === undefined) return 'allow';
  if (DENIED.test(reason)) return 'deny';
  // Set up, then closed or timed out: the connection had been allowed.
  return FAILED.test(reason) ? 'error' : 'allow';
}

export const zpaUserActivitySource: SourceNormalizer = {
  name: 'zpa_user_activity',
  detect: (record) => typeof record.LogTimestamp === 'string' && 'ConnectionID' in record && 'ClientZEN' in record,
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    const reason = str(record.InternalReason);
    const decision = zpaDecision(reason);
    const customer = str(record.Customer);
    const protocolNumber = num(record.IPProtocol);
    const protocol = protocolNumber === undefined ? undefined : (PROTOCOL[protocolNumber] ?? `ip/${protocolNumber}`);
    const port = num(record.ServicePort);
    const policyMicros = num(record.PolicyProcessingTime);
    const setupMicros = num(record.ConnectionSetupTime);
    return {
      draft: compact({
        kind: 'policy',
        // A connection is decided once, when it is set up; its later records (active, close) are the
        // same decision with the same id and time, so the store keeps one row per connection.
        event_id: deriveEventId('zpa_user_activity', customer, str(record.ConnectionID)),
        time: isoTime(record.TimestampConnectionStart) ?? isoTime(record.LogTimestamp),
        tenant: ctx.defaultTenant,
        source: 'zpa_user_activity',
        emitter_id: customer ? `zpa:${customer}` : 'zpa',
        correlation_id: str(record.ConnectionID),
        session_id: str(record.SessionID),
        // ZPA names users by their IdP's SAML NameID, an email compared without case.
        principal_id: emailPrincipal(record.Username),
        principal_type: str(record.Username) ? 'user' : undefined,
        src_ip: ipAddress(record.ClientPublicIP) ?? ipAddress(record.ClientPrivateIP),
        geo_country: str(record.ClientCountryCode),
        app: str(record.Application) ?? str(record.Host),
        decision,
        policy_id: str(record.Policy),
        action: protocol && port !== undefined ? `${protocol}/${port}` : protocol,
        eval_latency_ms: policyMicros === undefined ? undefined : policyMicros / 1000,
        // From the client's first packet to the connection set up through the connector: what the user
        // waited. ZPA writes 0 for a connection never set up (refused), which is no measurement.
        request_latency_ms: setupMicros ? setupMicros / 1000 : undefined,
        reasons: reason && decision !== 'allow' ? [reason] : [],
        enforcement_point: str(record.ClientZEN),
      }),
    };
  },
};
