// Zscaler Private Access user status, as the Log Streaming Service writes it: one record per
// Client Connector session, again at each status change and interval (LogTimestamp in ctime form,
// Customer, Username, SessionID, SessionStatus, Version, Hostname, Platform, PublicIP,
// CountryCode, PosturesHit, PosturesMiss as a comma-separated text or a list). A record that names
// the posture profiles the device met and missed is its posture report, each profile a check; one
// that names none (a connector without posture profiles, IP anchoring, the LSS client) is skipped.
import { compact, deriveEventId, emailPrincipal, ipAddress, isoTime, str, type Json } from '../fields.js';
import type { NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';

/** A posture list as LSS writes it: a JSON list, or the names joined by commas. */
function profiles(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  return items.map(str).filter((name): name is string => name !== undefined);
}

export const zpaUserStatusSource: SourceNormalizer = {
  name: 'zpa_user_status',
  detect: (record) => typeof record.LogTimestamp === 'string' && 'SessionStatus' in record && 'PosturesHit' in record,
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    const hit = profiles(record.PosturesHit);
    const missed = profiles(record.PosturesMiss);
    if (hit.length + missed.length === 0) return { skip: `${str(record.ClientType) ?? 'session'} status without posture` };
    const customer = str(record.Customer);
    const time = isoTime(record.LogTimestamp);
    const user = emailPrincipal(record.Username);
    const platform = str(record.Platform);
    return {
      draft: compact({
        kind: 'posture',
        // A session reports again at every interval: each report is its own event, at its time.
        event_id: deriveEventId('zpa_user_status', customer, str(record.SessionID), time, user),
        time,
        tenant: ctx.defaultTenant,
        source: 'zpa_user_status',
        emitter_id: customer ? `zpa:${customer}` : 'zpa',
        session_id: str(record.SessionID),
        principal_id: user,
        principal_type: user === undefined ? undefined : ('user' as const),
        device_id: str(record.Hostname),
        src_ip: ipAddress(record.PublicIP) ?? ipAddress(record.PrivateIP),
        geo_country: str(record.CountryCode)?.toUpperCase(),
        compliant: missed.length === 0,
        // The misses first: past the schema's 64 checks, what failed is what must not be cut.
        checks: [...missed.map((name) => ({ name, passed: false })), ...hit.map((name) => ({ name, passed: true }))].slice(0, 64),
        agent_version: str(record.Version),
        os: platform,
      }),
    };
  },
};
