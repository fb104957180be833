// Cloudflare Gateway HTTP requests, as Logpush writes them (dataset `gateway_http`: Datetime,
// Action, PolicyID, PolicyName, Email, UserID, DeviceID, SourceIP, HTTPHost, HTTPMethod, URL,
// RequestID, Blocked* for a file it stopped). Each request is the secure web gateway's decision.
import type { PolicyEvent } from '../schema.js';
import { compact, deriveEventId, emailPrincipal, ipAddress, isoTime, str, type Json } from '../fields.js';
import type { NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';

// Isolated, not inspected ("off") and scanned requests went through; a redirect sent the user elsewhere.
const DECISION: Record<string, PolicyEvent['decision']> = {
  allow: 'allow',
  isolate: 'allow',
  off: 'allow',
  scan: 'allow',
  noscan: 'allow',
  block: 'deny',
  redirect: 'deny',
};

export const cloudflareGatewaySource: SourceNormalizer = {
  name: 'cloudflare_gateway',
  detect: (record) => typeof record.RequestID === 'string' && 'HTTPHost' in record && 'Datetime' in record,
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    const action = str(record.Action)?.toLowerCase() ?? 'unknown';
    const decision = DECISION[action] ?? 'error';
    const blocked = str(record.BlockedFileReason);
    const account = str(record.AccountID);
    return {
      draft: compact({
        kind: 'policy',
        event_id: deriveEventId('cloudflare_gateway', account, str(record.RequestID)),
        time: isoTime(record.Datetime),
        tenant: ctx.defaultTenant,
        source: 'cloudflare_gateway',
        emitter_id: account ? `cloudflare-gateway:${account}` : 'cloudflare-gateway',
        correlation_id: str(record.RequestID),
        principal_id: emailPrincipal(record.Email) ?? str(record.UserID),
        principal_type: str(record.Email) || str(record.UserID) ? 'user' : undefined,
        device_id: str(record.DeviceID),
        src_ip: ipAddress(record.SourceIP),
        user_agent: str(record.UserAgent),
        app: str(record.HTTPHost),
        decision,
        policy_id: str(record.PolicyID),
        rule: str(record.PolicyName),
        action: str(record.HTTPMethod),
        reasons: decision === 'error' ? [`gateway action ${action}`] : blocked && decision === 'deny' ? [`file blocked: ${blocked}`] : [],
        enforcement_point: 'cloudflare-gateway',
      }),
    };
  },
};
