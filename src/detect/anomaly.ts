// An anomaly: a 0–100 score with the evidence that produced it, so an analyst can see why.
import { deriveEventId, type CanonicalEvent } from '../events/index.js';

export { BoundedMap } from './boundedMap.js';

export type AnomalyType =
  | 'token_replay'
  | 'denial_burst'
  | 'credential_stuffing'
  | 'mfa_fatigue'
  | 'session_hijack'
  | 'impossible_travel'
  | 'noncompliant_access'
  | 'secret_leak'
  | 'new_context';
/** Gravest first, as the API and the risk summary list them. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Anomaly {
  anomaly_id: string;
  type: AnomalyType;
  /** What it most likely is: revoked-token-use, brute-force, password-spray, misconfigured-rollout, … */
  kind: string;
  score: number;
  severity: Severity;
  tenant: string;
  /** What is anomalous: token:<id>, session:<id>, principal:<id>, device:<id>, src_net:<net>, policy:<id>@<version>, app:<app>, tenant:<tenant>. */
  key: string;
  /** Event time of the event that raised it; for a burst, its minute's start. */
  time: string;
  evidence: {
    reasons: string[];
    /** The events that produced it, most recent last (secrets were never in them). */
    events: EvidenceEvent[];
    /** The prior context or baseline it was judged against. */
    baseline: Record<string, unknown>;
    /** Other anomalies of the same incident, raised once as this one (src/detect/incidents.ts). */
    related?: RelatedAnomaly[];
  };
}

/** An anomaly attached to another's incident rather than raised on its own. */
export interface RelatedAnomaly {
  anomaly_id: string;
  type: AnomalyType;
  kind: string;
  key: string;
  score: number;
  time: string;
}

export type EvidenceEvent = Pick<
  CanonicalEvent,
  'event_id' | 'kind' | 'time' | 'principal_id' | 'device_id' | 'src_ip' | 'geo_country' | 'user_agent' | 'app'
> &
  Record<string, unknown>;

export function severityOf(score: number): Severity {
  return score >= 90 ? 'critical' : score >= 70 ? 'high' : score >= 50 ? 'medium' : 'low';
}

/**
 * `occurrence` names which anomaly of its key this is (a burst's minute, a credential's newly seen
 * reasons), not which event tipped it: the same events scored again after a redelivery, or
 * replayed in time order by a replica that took the key over, give the same id, stored once,
 * whatever order they came in.
 */
export function anomaly(fields: Omit<Anomaly, 'anomaly_id' | 'severity'>, occurrence: string): Anomaly {
  return {
    anomaly_id: deriveEventId('anomaly', fields.type, fields.tenant, fields.key, occurrence),
    severity: severityOf(fields.score),
    ...fields,
  };
}

export function evidenceOf(event: CanonicalEvent): EvidenceEvent {
  const { event_id, kind, time, principal_id, device_id, src_ip, geo_country, user_agent, app } = event;
  const extra: Record<string, unknown> = {};
  if (event.kind === 'auth') Object.assign(extra, { outcome: event.outcome, auth_method: event.auth_method, mfa: event.mfa });
  if (event.kind === 'policy')
    Object.assign(extra, { decision: event.decision, policy_id: event.policy_id, policy_version: event.policy_version });
  if (event.kind === 'token') Object.assign(extra, { activity: event.activity, token_id: event.token_id, expires_at: event.expires_at });
  return { event_id, kind, time, principal_id, device_id, src_ip, geo_country, user_agent, app, ...extra };
}

/** Which principal to forget (`ztna forget`): true for the principal's id within the tenants erased. */
export type PrincipalMatch = (principal: string, tenant: string) => boolean;

/**
 * An anomaly once a principal is forgotten, by the rule the store's erasure follows
 * (sql/erase/anomalies_*.sql): one about the principal (keyed by them, or a replay of their own
 * credential) is gone; any other keeps its evidence but the principal's events.
 */
export function forgetInAnomaly(a: Anomaly, matches: PrincipalMatch): Anomaly | undefined {
  const about = a.key.startsWith('principal:')
    ? a.key.slice('principal:'.length)
    : a.type === 'token_replay'
      ? a.evidence.baseline.principal
      : undefined;
  if (typeof about === 'string' && matches(about, a.tenant)) return undefined;
  const events = a.evidence.events.filter((e) => !(e.principal_id !== undefined && matches(e.principal_id, a.tenant)));
  return events.length === a.evidence.events.length ? a : { ...a, evidence: { ...a.evidence, events } };
}

/** The network of an address: /24 for IPv4, /48 for IPv6. */
export function networkOf(ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  if (ip.includes(':')) return `${ip.split(':').slice(0, 3).join(':')}::/48`;
  return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
}
