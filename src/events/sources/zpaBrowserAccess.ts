// Zscaler Private Access browser access (clientless HTTP), as the Log Streaming Service writes it:
// one record per request ZPA proxied for a SAML-authenticated user (LogTimestamp in ctime form,
// ConnectionID, Customer, NameID, Method, Host, URL, StatusCode, ClientPublicIp, ConnectionStatus,
// ConnectionReason, and each step's ISO time). Each request is ZPA's decision on the application; a
// request without a user (before the SAML login) decides nothing about anyone and is skipped.
import { compact, deriveEventId, emailPrincipal, httpAction, ipAddress, isoTime, num, str, type Json } from '../fields.js';
import type { NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';
import { zpaDecision } from './zpaUserActivity.js';

export const zpaBrowserAccessSource: SourceNormalizer = {
  name: 'zpa_browser_access',
  detect: (record) => typeof record.LogTimestamp === 'string' && 'TimestampRequestReceiveStart' in record && 'ConnectionID' in record,
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    const user = str(record.NameID);
    if (user === undefined) return { skip: 'browser access without a user' };
    const customer = str(record.Customer);
    const reason = str(record.ConnectionReason);
    const decision = zpaDecision(reason);
    const time = isoTime(record.TimestampRequestReceiveStart) ?? isoTime(record.LogTimestamp);
    const client = ipAddress(record.ClientPublicIp) ?? ipAddress(record.ClientPrivateIp);
    const connection = str(record.ConnectionID);
    return {
      draft: compact({
        kind: 'policy',
        // LSS leaves ConnectionID empty for many requests: then the request's own coordinates are its identity.
        event_id: connection
          ? deriveEventId('zpa_browser_access', customer, connection)
          : deriveEventId('zpa_browser_access', customer, time, client, num(record.ClientPublicPort), str(record.Host), str(record.URL)),
        time,
        tenant: ctx.defaultTenant,
        source: 'zpa_browser_access',
        emitter_id: customer ? `zpa:${customer}` : 'zpa',
        correlation_id: connection,
        // The SAML NameID, an email compared without case (as in ZPA's user activity).
        principal_id: emailPrincipal(user),
        principal_type: 'user',
        src_ip: client,
        user_agent: str(record.UserAgent),
        app: str(record.Host),
        decision,
        action: httpAction(record.Method, record.URL),
        reasons: reason && decision !== 'allow' ? [reason] : [],
        enforcement_point: 'zpa-browser-access',
      }),
    };
  },
};
