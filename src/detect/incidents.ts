// One incident per attack. Several scorers see one attack (a brute force is a principal's burst,
// its network's, the app's surge; a stuffing run is also a burst of its network): the first
// anomaly raised is the incident, and those that follow within the merge window and are about
// the same principals, networks or policy join it — its kind becomes the most specific, its
// score the highest, and they are attached as `evidence.related` instead of being raised apart.
// A joined incident is published again under its own anomaly_id (the store keeps the last).
// New-device and new-country signals (new_context) stay anomalies of their own, low, and raise
// the score of the incidents of the same principal around them.
import { networkOf, severityOf, type Anomaly, type PrincipalMatch, type RelatedAnomaly } from './anomaly.js';
import { BoundedMap } from './boundedMap.js';

export interface IncidentOptions {
  /** An anomaly this close to an incident's latest (ms) may join it. */
  mergeWindowMs: number;
  /** A new device or country of a principal this close to an incident of theirs raises its score. */
  boostWindowMs: number;
  boost: number;
  /** Incidents kept to join (the oldest forgotten first), and principals' new-context signals. */
  maxIncidents: number;
}

export const DEFAULT_INCIDENTS: IncidentOptions = {
  mergeWindowMs: 10 * 60_000,
  boostWindowMs: 60 * 60_000,
  boost: 15,
  maxIncidents: 10_000,
};

/** Kinds, most specific first: an incident takes the first of its anomalies' kinds in this order. */
export const KIND_RANK = [
  'mfa-fatigue-success',
  'session-hijack',
  'revoked-token-use',
  'expired-token-use',
  // A service does not travel: its credential used from another country or operator is a leak.
  'service-new-country',
  'service-new-asn',
  'impossible-travel',
  'service-new-network',
  'service-unusual-hour',
  'credential-stuffing',
  'password-spray',
  'mfa-push-bombing',
  'mfa-fatigue',
  'brute-force',
  'misconfigured-rollout',
  'allowed-while-noncompliant',
  'device-change',
  'context-change',
  'denied-principal',
  'denied-network',
  'policy-denial-surge',
  'app-denial-surge',
  'tenant-denial-surge',
];

const rank = (kind: string) => {
  const r = KIND_RANK.indexOf(kind);
  return r < 0 ? KIND_RANK.length : r;
};

/** Evidence events kept on a joined incident at most. */
const MAX_EVENTS = 10;
/**
 * Reasons kept on an incident at most, the first ones: a long attack joins an anomaly every few
 * seconds, and reasons that name a speed or a count differ each time (a leaked service secret
 * used from another country while its service signs in from home joined 18 travel anomalies in
 * 4 minutes, each with new speeds), so an incident's row would grow without end. The related
 * anomalies are all kept: a replica taking over the key needs their ids.
 */
const MAX_REASONS = 20;

const reasonsOf = (...lists: ReadonlyArray<readonly string[]>) => [...new Set(lists.flat())].slice(0, MAX_REASONS);

interface Incident {
  anomaly: Anomaly;
  subjects: Set<string>;
  /** The principals of the anomaly that opened it: who the incident is about. */
  principals: Set<string>;
  eventIds: Set<string>;
  latest: number;
  boosted: boolean;
}

interface Signal {
  time: number;
  related: RelatedAnomaly;
  reasons: string[];
}

/** What an anomaly is about: its key, and the principals, networks and policies of its evidence. */
function subjectsOf(a: Anomaly): Set<string> {
  const subjects = new Set(keySubjects(a.key));
  for (const e of a.evidence.events) for (const s of eventSubjects(e)) subjects.add(s);
  if (typeof a.evidence.baseline.principal === 'string') subjects.add(`principal:${a.evidence.baseline.principal}`);
  return subjects;
}

/** A key as a subject, and a policy version's also as its policy: one policy denying in two versions is one incident. */
function keySubjects(key: string): string[] {
  const policy = /^policy:([^@]*)@/.exec(key);
  return policy ? [key, `policy:${policy[1]}`] : [key];
}

function eventSubjects(e: Anomaly['evidence']['events'][number]): string[] {
  const out: string[] = [];
  if (e.principal_id) out.push(`principal:${e.principal_id}`);
  const net = networkOf(e.src_ip);
  if (net) out.push(`src_net:${net}`);
  if (typeof e.policy_id === 'string')
    out.push(...keySubjects(`policy:${e.policy_id}@${typeof e.policy_version === 'string' ? e.policy_version : ''}`));
  return out;
}

/** The principals an anomaly names: its key's, its evidence events', its baseline's. */
function principalsOf(a: Anomaly): Set<string> {
  return new Set([...subjectsOf(a)].filter((s) => s.startsWith('principal:')));
}

/** Whether an anomaly naming `a` may join an incident naming `b`: the same one person, or both several (or none). */
function samePeople(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== 1 && b.size !== 1) return true;
  return a.size === b.size && [...a].every((p) => b.has(p));
}

const summary = (a: Anomaly): RelatedAnomaly => ({
  anomaly_id: a.anomaly_id,
  type: a.type,
  kind: a.kind,
  key: a.key,
  score: a.score,
  time: a.time,
});

export class Incidents {
  private readonly open: BoundedMap<Incident>;
  private readonly signals: BoundedMap<Signal>;

  constructor(private readonly options: IncidentOptions = DEFAULT_INCIDENTS) {
    this.open = new BoundedMap(options.maxIncidents);
    this.signals = new BoundedMap(options.maxIncidents);
  }

  /** Incidents open to join, and principals with a recent new-context signal. */
  get size(): number {
    return this.open.size + this.signals.size;
  }

  /** What to publish for what the scorers raised: new incidents, incidents joined (their id again), new-context signals. */
  merge(found: readonly Anomaly[]): Anomaly[] {
    if (found.length === 0) return [];
    const now = Math.max(...found.map((a) => Date.parse(a.time)));
    const horizon = now - Math.max(this.options.mergeWindowMs, this.options.boostWindowMs);
    this.open.sweep((i) => i.latest < horizon);
    this.signals.sweep((s) => s.time < horizon);
    const out = new Map<string, Anomaly>();
    for (const a of found.filter((f) => f.type === 'new_context')) {
      out.set(a.anomaly_id, a);
      const signal = { time: Date.parse(a.time), related: summary(a), reasons: a.evidence.reasons };
      this.signals.set(`${a.tenant}/${a.key}`, signal);
      for (const incident of this.open.values())
        if (!incident.boosted && incident.anomaly.tenant === a.tenant && incident.subjects.has(a.key) && this.near(incident, signal.time))
          out.set(incident.anomaly.anomaly_id, this.boost(incident, signal));
    }
    for (const a of found) {
      if (a.type === 'new_context') continue;
      const time = Date.parse(a.time);
      const incident = this.joinable(a, time);
      const joined = incident ? this.join(incident, a, time) : this.start(a, time);
      out.set(joined.anomaly.anomaly_id, this.withSignals(joined));
    }
    return [...out.values()];
  }

  /**
   * Holds an incident the store already has (a rebuilt replica's, raised by the key's previous
   * holder) open to join, unless an open incident takes it already: nothing is published.
   */
  reopen(a: Anomaly): void {
    const time = Date.parse(a.time);
    if (a.type !== 'new_context' && !this.joinable(a, time)) this.start(a, time);
  }

  /** Forgets the incidents and signals that name the principal (`ztna forget`); how many. */
  forgetPrincipal(matches: PrincipalMatch): number {
    const names = (subjects: Iterable<string>, tenant: string) =>
      [...subjects].some((s) => s.startsWith('principal:') && matches(s.slice('principal:'.length), tenant));
    return (
      this.open.deleteWhere((i) => names(i.subjects, i.anomaly.tenant)) +
      this.signals.deleteWhere((_, key) => {
        const [tenant = '', subject = ''] = key.split(/\/(.*)/s);
        return names([subject], tenant);
      })
    );
  }

  private near(incident: Incident, time: number): boolean {
    return Math.abs(time - incident.latest) <= this.options.boostWindowMs;
  }

  /** The open incident the anomaly belongs to, if any: the same tenant, close in time, about the same things. */
  private joinable(a: Anomaly, time: number): Incident | undefined {
    const subjects = subjectsOf(a);
    const events = a.evidence.events;
    let best: Incident | undefined;
    for (const incident of this.open.values()) {
      if (incident.anomaly.tenant !== a.tenant || Math.abs(time - incident.latest) > this.options.mergeWindowMs) continue;
      // One person's incident and another's, or a campaign over several people, stay apart
      // whatever they share: each is its subjects' record (`ztna forget` erases one person's
      // without another's), and a campaign is not one victim's.
      if (!samePeople(principalsOf(a), incident.principals)) continue;
      const about =
        keySubjects(a.key).some((k) => incident.subjects.has(k)) ||
        keySubjects(incident.anomaly.key).some((k) => subjects.has(k)) ||
        events.some((e) => incident.eventIds.has(e.event_id)) ||
        (events.length > 0 && events.filter((e) => eventSubjects(e).some((s) => incident.subjects.has(s))).length * 2 >= events.length);
      if (about && (!best || incident.latest > best.latest)) best = incident;
    }
    return best;
  }

  private start(a: Anomaly, time: number): Incident {
    const incident: Incident = {
      anomaly: a,
      subjects: subjectsOf(a),
      principals: principalsOf(a),
      eventIds: new Set(a.evidence.events.map((e) => e.event_id)),
      latest: time,
      boosted: false,
    };
    this.open.set(a.anomaly_id, incident);
    return incident;
  }

  private join(incident: Incident, a: Anomaly, time: number): Incident {
    const was = incident.anomaly;
    const events = [...was.evidence.events];
    for (const e of a.evidence.events) if (!incident.eventIds.has(e.event_id)) events.push(e);
    for (const s of subjectsOf(a)) incident.subjects.add(s);
    for (const e of a.evidence.events) incident.eventIds.add(e.event_id);
    const score = Math.max(was.score, Math.min(100, a.score + (incident.boosted ? this.options.boost : 0)));
    incident.anomaly = {
      ...was,
      kind: rank(a.kind) < rank(was.kind) ? a.kind : was.kind,
      score,
      severity: severityOf(score),
      evidence: {
        ...was.evidence,
        reasons: reasonsOf(was.evidence.reasons, a.evidence.reasons),
        events: events.slice(-MAX_EVENTS),
        related: [...(was.evidence.related ?? []), summary(a), ...(a.evidence.related ?? [])],
      },
    };
    incident.latest = Math.max(incident.latest, time);
    return incident;
  }

  /** The incident, boosted by a recent new-context signal of one of its principals, once. */
  private withSignals(incident: Incident): Anomaly {
    if (incident.boosted) return incident.anomaly;
    for (const subject of incident.subjects) {
      if (!subject.startsWith('principal:')) continue;
      const signal = this.signals.get(`${incident.anomaly.tenant}/${subject}`);
      if (signal && this.near(incident, signal.time)) return this.boost(incident, signal);
    }
    return incident.anomaly;
  }

  private boost(incident: Incident, signal: Signal): Anomaly {
    const was = incident.anomaly;
    const signals = signal.reasons.map((r) => `${r} (score +${this.options.boost})`);
    const score = Math.min(100, was.score + this.options.boost);
    incident.boosted = true;
    incident.anomaly = {
      ...was,
      score,
      severity: severityOf(score),
      evidence: {
        ...was.evidence,
        // What raised the score is said whatever else was kept.
        reasons: [...was.evidence.reasons.slice(0, MAX_REASONS - signals.length), ...signals],
        related: [...(was.evidence.related ?? []), signal.related],
      },
    };
    return incident.anomaly;
  }
}
