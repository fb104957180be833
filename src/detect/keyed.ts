// The keyed repartition (Kafka Streams' repartition topic): each stored event is routed to the
// keys the stateful processors hold state by, so the replica that owns a key's partition sees
// every event of that key. Pure: routes, the compact message form, the partition of a key, and
// the scorers run on keyed messages (with their state rebuilt or dropped per partition).
import { Partitioners } from 'kafkajs';
import type { CanonicalEvent } from '../events/index.js';
import { BoundedMap, networkOf, type Anomaly } from './anomaly.js';
import { DEFAULT_DENIAL_BURST, type Dimension } from './denialBurst.js';
import { slotScorers, type Scorers } from './processor.js';

/**
 * What a keyed message is for: `p` the event's own key (token replay's credential, the denial
 * burst's principal), `d` one other denial-burst dimension (network, policy, app, tenant), `c`
 * telemetry completeness (the emitter's sequence).
 */
export type KeyedRoute = 'p' | 'd' | 'c';

export interface KeyedMessage {
  route: KeyedRoute;
  /** For `d`: the one dimension it counts in. */
  dimension?: Dimension;
  event: CanonicalEvent;
}

/** The fields the scorers and the completeness tracker read; the rest of an event stays in the store. */
const KEYED_FIELDS = [
  'event_id', 'kind', 'time', 'tenant', 'emitter_id', 'emitter_seq', 'session_id', 'principal_id', 'device_id', 'src_ip',
  'geo_country', 'user_agent', 'app', 'outcome', 'auth_method', 'mfa', 'decision', 'policy_id', 'policy_version', 'reasons',
  'activity', 'token_id', 'expires_at', 'failure_reason', 'compliant', 'checks', 'agent_version',
] as const; // prettier-ignore

/** The event with only what the keyed processors read, and no empty field (a stored row's '', null and [] are absent). */
export function compactEvent(event: CanonicalEvent | Record<string, unknown>): CanonicalEvent {
  const source = event as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of KEYED_FIELDS) {
    const value = source[field];
    if (value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0)) out[field] = value;
  }
  return out as unknown as CanonicalEvent;
}

const isDenial = (e: CanonicalEvent) => (e.kind === 'policy' && e.decision === 'deny') || (e.kind === 'auth' && e.outcome === 'failure');

/** The key of the event's own route: its token, else its principal, else its session (none: nothing keyed holds it). */
export function primaryKey(event: CanonicalEvent): string | undefined {
  if (event.kind === 'token') return `${event.tenant}/token:${event.token_id}`;
  // A posture report goes where its principal's decisions go: a device allowed while non-compliant is judged there.
  if (event.kind === 'posture')
    return event.principal_id && event.device_id ? `${event.tenant}/principal:${event.principal_id}` : undefined;
  if (event.principal_id) return `${event.tenant}/principal:${event.principal_id}`;
  return event.session_id ? `${event.tenant}/session:${event.session_id}` : undefined;
}

/** Where token replay's state of a credential lives: the primary key of the events that present it. */
export function credentialRouteKey(credential: string, tenant: string, principal: string | undefined): string {
  if (credential.startsWith('token:') || !principal) return `${tenant}/${credential}`;
  return `${tenant}/principal:${principal}`;
}

/** A denial-burst key besides the principal, as the scorer names it (`tenant/dimension:value`). */
function dimensionValue(event: CanonicalEvent, dimension: Exclude<Dimension, 'principal'>): string | undefined {
  switch (dimension) {
    case 'src_net':
      return networkOf(event.src_ip);
    case 'policy':
      return event.kind === 'policy' && event.policy_id ? `${event.policy_id}@${event.policy_version ?? ''}` : undefined;
    case 'app':
      return event.app;
    case 'tenant':
      return event.tenant;
  }
}

const minuteOf = (time: string) => Math.floor(Date.parse(time) / 60_000);

/** The keyed route of an anomaly's key: a burst's own key; a credential's, as its events are routed. */
function raisedRouteKey(r: RaisedAnomaly): string {
  return r.type === 'denial_burst' ? `${r.tenant}/${r.key}` : credentialRouteKey(r.key, r.tenant, r.principal);
}

const OTHER_DIMENSIONS = ['src_net', 'policy', 'app', 'tenant'] as const;

/**
 * Every keyed message of an event, with the key it is routed by. A denial goes to each of its
 * denial-burst keys; a policy decision, allowed too, to its policy key (where a version was first
 * seen decides a rollout); an event with a sequence number to its emitter.
 */
export function keyedMessages(event: CanonicalEvent): Array<{ key: string; message: KeyedMessage }> {
  const compact = compactEvent(event);
  const out: Array<{ key: string; message: KeyedMessage }> = [];
  const primary = primaryKey(event);
  if (primary) out.push({ key: primary, message: { route: 'p', event: compact } });
  const denial = isDenial(event);
  for (const dimension of OTHER_DIMENSIONS) {
    if (!denial && !(dimension === 'policy' && event.kind === 'policy')) continue;
    const value = dimensionValue(event, dimension);
    if (value !== undefined) out.push({ key: `${event.tenant}/${dimension}:${value}`, message: { route: 'd', dimension, event: compact } });
  }
  if (event.emitter_seq !== undefined) out.push({ key: `emitter:${event.emitter_id}`, message: { route: 'c', event: compact } });
  return out;
}

export function encodeKeyed(message: KeyedMessage): string {
  return JSON.stringify(
    message.dimension ? { r: message.route, d: message.dimension, e: message.event } : { r: message.route, e: message.event },
  );
}

/** The message, or undefined for bytes that are not one (a record some other writer put on the topic). */
export function decodeKeyed(value: Buffer | null): KeyedMessage | undefined {
  try {
    const raw = JSON.parse(value?.toString() ?? '') as { r?: unknown; d?: unknown; e?: unknown };
    if ((raw.r !== 'p' && raw.r !== 'd' && raw.r !== 'c') || typeof raw.e !== 'object' || raw.e === null) return undefined;
    const event = raw.e as CanonicalEvent;
    if (typeof event.event_id !== 'string' || typeof event.time !== 'string' || typeof event.tenant !== 'string') return undefined;
    return raw.r === 'd' ? { route: 'd', dimension: raw.d as Dimension, event } : { route: raw.r, event };
  } catch {
    return undefined;
  }
}

const partitioner = Partitioners.DefaultPartitioner();
const metadataOf = new Map<number, Array<{ partitionId: number; leader: number }>>();

/** The partition kafkajs' default partitioner (Kafka's murmur2) gives a key among n partitions. */
export function partitionOf(key: string, partitions: number): number {
  let metadata = metadataOf.get(partitions);
  if (!metadata) metadataOf.set(partitions, (metadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0 }))));
  return partitioner({ topic: '', partitionMetadata: metadata as never, message: { key, value: null } });
}

/**
 * An anomaly already stored (raised by whichever replica held its key), as a rebuild needs it:
 * an incident's own, or one joined to it as related (raised there, so not to be raised again here).
 */
export interface RaisedAnomaly {
  anomaly_id: string;
  type: Anomaly['type'];
  tenant: string;
  key: string;
  time: string;
  reasons: readonly string[];
  /** For a token replay: the principal of the credential's context (where a session's state lives). */
  principal?: string | undefined;
}

/** Event ids seen per route and dimension remembered at most: a redelivered keyed message is not counted twice. */
const SEEN_CAP = 500_000;

/**
 * The scorers on keyed messages. Each message is scored once (a message delivered again, or an
 * event already replayed from the store, is skipped by its id); state is dropped for partitions
 * lost and rebuilt, from the store's events, for partitions gained.
 */
export class KeyedScoring {
  private readonly seen = new BoundedMap<true>(SEEN_CAP);

  constructor(
    readonly scorers: Scorers,
    private readonly partitions: number,
    private readonly cooldownMinutes = DEFAULT_DENIAL_BURST.cooldownMinutes,
  ) {}

  /** The anomalies the messages raise, and the events of the completeness route, for the SLIs. */
  score(messages: readonly KeyedMessage[]): { anomalies: Anomaly[]; completeness: CanonicalEvent[] } {
    const { anomalies, completeness } = this.observeAll(messages, false);
    return { anomalies: this.scorers.incidents.merge(anomalies), completeness };
  }

  /** What the scorers raise on the messages, not yet merged into incidents. */
  private observeAll(messages: readonly KeyedMessage[], replay: boolean): { anomalies: Anomaly[]; completeness: CanonicalEvent[] } {
    const anomalies: Anomaly[] = [];
    const completeness: CanonicalEvent[] = [];
    for (const m of messages) {
      const id = `${m.route}${m.dimension ?? ''}\u0000${m.event.event_id}`;
      // A replay follows a drop of the same keys: what was seen before the drop is observed again.
      if (this.seen.get(id) && !replay) continue;
      this.seen.set(id, true);
      if (m.route === 'c') completeness.push(m.event);
      else anomalies.push(...this.observe(m));
    }
    return { anomalies, completeness };
  }

  /** How far back token replay remembers a token: a rebuild reads tokens' lifecycle events that far. */
  get credentialMemoryMs(): number {
    return this.scorers.tokenReplay.memoryMs;
  }

  /**
   * Replays the store's events of the scoring window for the keys in the partitions gained, in
   * time order, then marks what the store already holds as raised (a burst's cooldown, a
   * credential's reported reasons), as the previous holder of the keys had it. Returns what the
   * replay raised that the store does not hold yet: raised from events the previous holder stored
   * but had not scored. Time order is not the order the previous holder saw, so a replayed burst
   * may fall in another minute than the stored one: within its cooldown, it is the same burst.
   */
  rebuild(
    events: readonly CanonicalEvent[],
    raised: readonly RaisedAnomaly[],
    gained: ReadonlySet<number>,
    credentialHistory: readonly CanonicalEvent[] = [],
  ): Anomaly[] {
    // Tokens' lifecycle before the window (issue, refresh, exchange, revoke, as far back as token
    // replay remembers): a token issued or revoked hours ago and used now is judged as its previous
    // holder judged it. Only token replay reads them; what they raised, that holder raised.
    for (const event of credentialHistory) {
      const own = keyedMessages(event).find((m) => m.message.route === 'p');
      if (own && gained.has(partitionOf(own.key, this.partitions))) this.scorers.tokenReplay.observe(own.message.event);
    }
    const messages: KeyedMessage[] = [];
    for (const event of events)
      for (const { key, message } of keyedMessages(event))
        if (message.route !== 'c' && gained.has(partitionOf(key, this.partitions))) messages.push(message);
    const replayed = this.observeAll(messages, true).anomalies;
    const held = raised.filter((r) => gained.has(partitionOf(raisedRouteKey(r), this.partitions)));
    for (const r of held) {
      if (r.type === 'denial_burst') this.scorers.denialBurst.noteAlert(`${r.tenant}/${r.key}`, minuteOf(r.time));
      else this.scorers.tokenReplay.noteReported(r.key, r.reasons);
    }
    // What a stored anomaly covers is that one, open to join as the store has it (its id and time),
    // never joined to another incident here: that incident would publish it again as its related.
    const uncovered: Anomaly[] = [];
    for (const a of replayed) {
      const stored = held.find((r) => this.covers(r, a));
      if (stored) this.scorers.incidents.reopen({ ...a, anomaly_id: stored.anomaly_id, time: stored.time });
      else uncovered.push(a);
    }
    return this.scorers.incidents.merge(uncovered);
  }

  /** Whether a stored anomaly is the one the replay raised again. */
  private covers(stored: RaisedAnomaly, replayed: Anomaly): boolean {
    if (stored.anomaly_id === replayed.anomaly_id) return true;
    if (stored.type !== replayed.type || stored.tenant !== replayed.tenant || stored.key !== replayed.key) return false;
    if (stored.type === 'denial_burst') return Math.abs(minuteOf(stored.time) - minuteOf(replayed.time)) < this.cooldownMinutes;
    return replayed.evidence.reasons.every((reason) => stored.reasons.includes(reason));
  }

  /** Forgets the state of every key in the partitions lost; how many keys went. */
  drop(lost: ReadonlySet<number>): number {
    const inLost = (key: string) => lost.has(partitionOf(key, this.partitions));
    return (
      this.scorers.tokenReplay.dropWhere((credential, tenant, principal) => inLost(credentialRouteKey(credential, tenant, principal))) +
      this.scorers.denialBurst.dropWhere(inLost) +
      // A key of these lives where its principal's events go, else (a source network) at itself.
      slotScorers(this.scorers).reduce(
        (n, [, keys]) => n + keys.dropWhere((key, tenant, principal) => inLost(principal ? `${tenant}/principal:${principal}` : key)),
        0,
      )
    );
  }

  private observe(m: KeyedMessage): Anomaly[] {
    const s = this.scorers;
    if (m.route === 'd') {
      if (!m.dimension) return [];
      const burst = s.denialBurst.observe(m.event, [m.dimension]);
      return m.dimension === 'src_net' ? [...burst, ...s.credentialStuffing.observe(m.event)] : burst;
    }
    return [
      ...s.tokenReplay.observe(m.event),
      ...s.sessionHijack.observe(m.event),
      ...s.denialBurst.observe(m.event, ['principal']),
      ...s.mfaFatigue.observe(m.event),
      ...s.impossibleTravel.observe(m.event),
      ...s.noncompliantAccess.observe(m.event),
      ...s.serviceCredential.observe(m.event),
      ...s.newContext.observe(m.event),
    ];
  }
}
