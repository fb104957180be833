// Credential stuffing: pairs from a breach tried against many accounts, each once or twice,
// from one source. Elastic's Okta anchor: at least 15 users with at most 2 tries each from one
// source. Password spraying differs: a few passwords against the same users, so each user is
// tried again and again (the denial-burst scorer names it). Per source network, in a window:
// the first users tried with their tries (up to 32, each one word: a 28-bit hash of its id and
// its tries, as a stuffing run's users are mostly distinct and interning them cost a string
// each), failures, the last few attempts (for the evidence; their principals in string cells,
// as no other key shares them).
import type { CanonicalEvent } from '../events/index.js';
import { anomaly, networkOf, type Anomaly, type EvidenceEvent } from './anomaly.js';
import { EVENT_ID_WORDS, EventIdCells } from './eventIds.js';
import { KeyedSlots, type KeyedSlotsOptions } from './keyedSlots.js';

export interface CredentialStuffingOptions extends KeyedSlotsOptions {
  /** Distinct users tried from one source within the window. */
  minUsers: number;
  /** Tries per user at most: past it, the source is spraying or brute-forcing, not stuffing. */
  maxTriesPerUser: number;
  windowMs: number;
  score: number;
}

export const DEFAULT_CREDENTIAL_STUFFING: CredentialStuffingOptions = {
  minUsers: 15,
  maxTriesPerUser: 2,
  windowMs: 10 * 60_000,
  score: 70,
  maxKeys: 100_000,
  idleMs: 3600_000,
};

/** Users tracked per source: enough to judge the minimum (it is raised to it if configured higher). */
const TRACKED = 32;
const RECENT = 5;
// Int32 words after tenant and principal (none): users tracked, failures, flags (1 raised, 2 a
// user past the tries), recent attempts seen, users (hash and tries), recent event ids.
// The network is not kept: the key names it, and an anomaly is raised from an event that has it.
const USERS = 2;
const FAILURES = 3;
const FLAGS = 4;
const RECENT_COUNT = 5;
const TRACK_AT = 6;
const RAISED = 1;
const TOO_MANY = 2;
/** A tracked user's word: the hash's top 28 bits, its tries (at most 15: past the limit is all that matters) in the low 4. */
const TRIES_BITS = 4;
const TRIES_MASK = (1 << TRIES_BITS) - 1;
const MAX_TRIES = TRIES_MASK;
// Float64 words after last seen: the window's start, then the recent attempts' times.
const WINDOW = 1;
const RECENT_TIMES = 2;

export class CredentialStuffingScorer {
  private readonly state: KeyedSlots;
  private readonly eventIds = new EventIdCells();
  private readonly tracked: number;
  private readonly recentAt: number;

  constructor(private readonly options: CredentialStuffingOptions = DEFAULT_CREDENTIAL_STUFFING) {
    if (!(options.maxTriesPerUser >= 0 && options.maxTriesPerUser < MAX_TRIES))
      throw new RangeError(
        `credential stuffing: maxTriesPerUser must be 0 to ${MAX_TRIES - 1} (a user tried more is spraying), not ${options.maxTriesPerUser}`,
      );
    this.tracked = Math.max(TRACKED, options.minUsers);
    this.recentAt = TRACK_AT + this.tracked;
    // String cells: the recent attempts' principals.
    this.state = new KeyedSlots(this.recentAt + RECENT * EVENT_ID_WORDS, RECENT_TIMES + RECENT, [], options, RECENT);
  }

  get keys(): KeyedSlots {
    return this.state;
  }

  observe(event: CanonicalEvent): Anomaly[] {
    if (event.kind !== 'auth' || event.outcome !== 'failure' || !event.principal_id) return [];
    const network = networkOf(event.src_ip);
    if (!network) return [];
    const time = Date.parse(event.time);
    const { slot, created } = this.state.slot(`${event.tenant}/src_net:${network}`, event.tenant, undefined, time);
    const { ints, floats } = this.state.pool;
    const i = slot * this.state.ints;
    const f = slot * this.state.floats;
    if (created || time >= floats[f + WINDOW]! + this.options.windowMs) this.restart(slot, time);
    if (time < floats[f + WINDOW]!) return []; // older than the window judged
    ints[i + FAILURES]!++;
    this.remember(slot, event, time);
    const user = hash32(event.principal_id) & ~TRIES_MASK;
    let k = 0;
    while (k < ints[i + USERS]! && (ints[i + TRACK_AT + k]! & ~TRIES_MASK) !== user) k++;
    if (k < ints[i + USERS]!) {
      const tries = Math.min(MAX_TRIES, (ints[i + TRACK_AT + k]! & TRIES_MASK) + 1);
      ints[i + TRACK_AT + k] = user | tries;
      if (tries > this.options.maxTriesPerUser) ints[i + FLAGS]! |= TOO_MANY;
    } else if (k < this.tracked) {
      ints[i + TRACK_AT + k] = user | 1;
      ints[i + USERS]!++;
    }
    const users = ints[i + USERS]!;
    if (users < this.options.minUsers || ints[i + FLAGS]! & (RAISED | TOO_MANY)) return [];
    ints[i + FLAGS]! |= RAISED;
    const windowStart = floats[f + WINDOW]!;
    return [
      anomaly(
        {
          type: 'credential_stuffing',
          kind: 'credential-stuffing',
          score: this.options.score,
          tenant: event.tenant,
          key: `src_net:${network}`,
          time: event.time,
          evidence: {
            reasons: [
              `${users} users tried from one source network within ${this.options.windowMs / 60_000} min, none more than ${this.options.maxTriesPerUser} times`,
            ],
            events: this.recent(slot),
            baseline: {
              min_users: this.options.minUsers,
              max_tries_per_user: this.options.maxTriesPerUser,
              failures: ints[i + FAILURES],
              window_start: new Date(windowStart).toISOString(),
            },
          },
        },
        `window:${windowStart}`,
      ),
    ];
  }

  /** A new window from this time: users and failures forgotten. */
  private restart(slot: number, time: number): void {
    const { ints, floats } = this.state.pool;
    const i = slot * this.state.ints;
    ints.fill(0, i + TRACK_AT, i + TRACK_AT + this.tracked);
    ints[i + USERS] = 0;
    ints[i + FAILURES] = 0;
    ints[i + FLAGS] = 0;
    floats[slot * this.state.floats + WINDOW] = time;
  }

  /** Keeps the attempt among the last few, the oldest written over. */
  private remember(slot: number, event: CanonicalEvent, time: number): void {
    const { ints, floats } = this.state.pool;
    const i = slot * this.state.ints;
    const r = ints[i + RECENT_COUNT]! % RECENT;
    ints[i + RECENT_COUNT]!++;
    this.eventIds.write(ints, i + this.recentAt + r * EVENT_ID_WORDS, event.event_id);
    this.state.setCell(slot, r, event.principal_id);
    floats[slot * this.state.floats + RECENT_TIMES + r] = time;
  }

  private recent(slot: number): EvidenceEvent[] {
    const { ints, floats } = this.state.pool;
    const i = slot * this.state.ints;
    const out: EvidenceEvent[] = [];
    const n = Math.min(ints[i + RECENT_COUNT]!, RECENT);
    for (let r = 0; r < n; r++) {
      out.push({
        event_id: this.eventIds.read(ints, i + this.recentAt + r * EVENT_ID_WORDS),
        kind: 'auth',
        time: new Date(floats[slot * this.state.floats + RECENT_TIMES + r]!).toISOString(),
        principal_id: this.state.cell(slot, r),
        outcome: 'failure',
      });
    }
    return out.sort((a, b) => a.time.localeCompare(b.time));
  }
}

/** FNV-1a of a string, 32 bits (28 of them kept): a user told apart from the 31 others a source tracks (a collision counts two as one). */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let c = 0; c < s.length; c++) h = Math.imul(h ^ s.charCodeAt(c), 0x01000193);
  return h | 0;
}
