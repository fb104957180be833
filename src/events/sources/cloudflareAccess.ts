// Cloudflare Access requests, as Logpush writes them (dataset `access_requests`: Action, Allowed,
// AppDomain, AppUUID, Connection, Country, CreatedAt, Email, IPAddress, RayID, UserUID). A login is
// Access's policy decision on the application (Allowed); a logout ends the user's Access session.
import { AUTH_ACTIVITY } from '../ocsf.js';
import { compact, deriveEventId, emailPrincipal, ipAddress, isoTime, str, type Json } from '../fields.js';
import type { NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';

export const cloudflareAccessSource: SourceNormalizer = {
  name: 'cloudflare_access',
  detect: (record) => typeof record.RayID === 'string' && 'AppDomain' in record && 'Allowed' in record,
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    const action = str(record.Action)?.toLowerCase() ?? 'unknown';
    const envelope = compact({
      // One request, one Ray ID: a record sent again with its time written another way is the same event.
      event_id: deriveEventId('cloudflare_access', str(record.RayID), action),
      time: isoTime(record.CreatedAt),
      tenant: ctx.defaultTenant,
      source: 'cloudflare_access',
      emitter_id: 'cloudflare-access',
      correlation_id: str(record.RayID),
      // Access matches identities by email without case.
      principal_id: emailPrincipal(record.Email) ?? str(record.UserUID),
      principal_type: 'user' as const,
      src_ip: ipAddress(record.IPAddress),
      geo_country: str(record.Country)?.toUpperCase(),
      app: str(record.AppDomain) ?? str(record.AppUUID),
    });
    if (action === 'login') {
      return {
        draft: compact({
          ...envelope,
          kind: 'policy',
          decision: record.Allowed === true ? 'allow' : record.Allowed === false ? 'deny' : 'error',
          policy_id: str(record.AppUUID),
          action,
          reasons: [],
          enforcement_point: 'cloudflare-access',
        }),
      };
    }
    if (action === 'logout') {
      const method = str(record.Connection);
      return {
        draft: compact({
          ...envelope,
          kind: 'auth',
          outcome: 'success',
          auth_method: method,
          idp: method,
          ocsf_activity_id: AUTH_ACTIVITY.logoff,
        }),
      };
    }
    return { skip: action };
  },
};
