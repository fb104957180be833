// The denial-burst scorer's state per key, one slot of typed arrays: per minute of the baseline
// window (a ring, minute m at m mod window) the denials, failed logins, MFA-push failures and
// distinct principals; the principals seen in the newest minutes (a few, to count them once);
// the last few denials as evidence (event id, time, kind, principal, address, app).
import type { CanonicalEvent } from '../events/index.js';
import { packIPv4, unpackIPv4 } from './addresses.js';
import type { EvidenceEvent, PrincipalMatch } from './anomaly.js';
import { EVENT_ID_WORDS, EventIdCells } from './eventIds.js';
import { InternTable } from './intern.js';
import { SlotPool } from './slots.js';

/** Denials kept per key as evidence. */
export const RECENT_EVENTS = 5;
/** (principal, minute) pairs kept per key to count a minute's principals once; past this a minute's count is a lower bound. */
export const TRACKED_PRINCIPALS = 8;

// Int32 words of a slot: the key, then the ring, the tracked principals, the recent denials.
const TENANT = 0;
const PRINCIPAL = 1;
const FIRST_MINUTE = 2;
const NEWEST_MINUTE = 3;
const LAST_ALERT = 4;
const RECENT = 5;
const TRACKED = 6;
/** Where the oldest recent denial is: they are a ring too, the newest written over the oldest. */
const RECENT_HEAD = 7;
const RING = 8;
// Per minute: denials, failed logins (and a bit: a burst was raised in this minute), and MFA-push failures (low 16 bits, saturating) with distinct principals (high 15 bits, and a bit for "at least").
const MINUTE_WORDS = 3;
const RAISED_IN_MINUTE = 1 << 31;
const PUSH_MASK = 0xffff;
const DISTINCT_ONE = 1 << 16;
const DISTINCT_MAX = 0x7fff;
const AT_LEAST = 1 << 31;
// A recent denial: its event id, principal, address (an IPv4 as its bits, else interned), app and kind (bit 0 policy, bit 1 IPv4); its time a Float64.
const R_PRINCIPAL = EVENT_ID_WORDS;
const R_SRC_IP = R_PRINCIPAL + 1;
const R_APP = R_PRINCIPAL + 2;
const R_KIND = R_PRINCIPAL + 3;
const RECENT_WORDS = R_KIND + 1;
/** No alert yet (as -Infinity: never within a cooldown). */
const NEVER = -0x80000000;

/** A minute of a key: its counts, and its distinct principals (a lower bound when `atLeast`). */
export interface MinuteCounts {
  count: number;
  authFailures: number;
  pushFailures: number;
  distinctPrincipals: number;
  atLeast: boolean;
}

export class DenialKeyStates {
  private readonly strings = new InternTable();
  private readonly eventIds = new EventIdCells();
  private readonly pool: SlotPool;
  private readonly window: number;
  private readonly trackedAt: number;
  private readonly recentAt: number;

  constructor(private readonly baselineMinutes: number) {
    this.window = baselineMinutes + 1;
    this.trackedAt = RING + this.window * MINUTE_WORDS;
    this.recentAt = this.trackedAt + 2 * TRACKED_PRINCIPALS;
    this.pool = new SlotPool(this.recentAt + RECENT_EVENTS * RECENT_WORDS, RECENT_EVENTS);
  }

  private get stride(): number {
    return this.pool.intStride;
  }

  /** Slots in use and strings interned: what the state holds, whatever the keys' map says. */
  get held(): { slots: number; strings: number } {
    return { slots: this.pool.live, strings: this.strings.size };
  }

  /** A new key first seen in this minute; `principal` for a key of the principal dimension. */
  create(tenant: string, principal: string | undefined, minute: number): number {
    const slot = this.pool.alloc();
    const i = slot * this.stride;
    const ints = this.pool.ints;
    ints[i + TENANT] = this.strings.acquire(tenant);
    ints[i + PRINCIPAL] = this.strings.acquire(principal);
    ints[i + FIRST_MINUTE] = minute;
    ints[i + NEWEST_MINUTE] = minute;
    ints[i + LAST_ALERT] = NEVER;
    return slot;
  }

  release(slot: number): void {
    const i = slot * this.stride;
    const ints = this.pool.ints;
    this.strings.release(ints[i + TENANT]!);
    this.strings.release(ints[i + PRINCIPAL]!);
    for (let t = 0; t < ints[i + TRACKED]!; t++) this.strings.release(ints[i + this.trackedAt + 2 * t]!);
    for (let r = 0; r < ints[i + RECENT]!; r++) this.releaseRecent(this.recentCell(slot, r));
    this.pool.release(slot);
  }

  tenant(slot: number): string {
    return this.strings.get(this.pool.ints[slot * this.stride + TENANT]!)!;
  }

  /** The principal of a key of the principal dimension. */
  principal(slot: number): string | undefined {
    return this.strings.get(this.pool.ints[slot * this.stride + PRINCIPAL]!);
  }

  firstMinute(slot: number): number {
    return this.pool.ints[slot * this.stride + FIRST_MINUTE]!;
  }

  newestMinute(slot: number): number {
    return this.pool.ints[slot * this.stride + NEWEST_MINUTE]!;
  }

  /**
   * Whether a burst was raised within `cooldown` minutes of this one, before or after it: denials
   * of several sources arrive out of time order, so a burst may be raised for a minute older than
   * the last one raised. The minutes of the window say which were raised; the latest alert stands
   * for those before it.
   */
  inCooldown(slot: number, minute: number, cooldown: number): boolean {
    const i = slot * this.stride;
    const ints = this.pool.ints;
    const latest = ints[i + LAST_ALERT]!;
    if (latest !== NEVER && Math.abs(minute - latest) < cooldown) return true;
    const newest = ints[i + NEWEST_MINUTE]!;
    for (let m = Math.max(minute - cooldown + 1, newest - this.window + 1); m <= Math.min(minute + cooldown - 1, newest); m++)
      if (ints[i + RING + (m % this.window) * MINUTE_WORDS + 1]! & RAISED_IN_MINUTE) return true;
    return false;
  }

  /** A burst of the key raised in this minute (here, or by the replica that held the key before). */
  alerted(slot: number, minute: number): void {
    const i = slot * this.stride;
    const ints = this.pool.ints;
    if (ints[i + LAST_ALERT] === NEVER || minute > ints[i + LAST_ALERT]!) ints[i + LAST_ALERT] = minute;
    const newest = ints[i + NEWEST_MINUTE]!;
    if (minute <= newest && minute > newest - this.window) ints[i + RING + (minute % this.window) * MINUTE_WORDS + 1]! |= RAISED_IN_MINUTE;
  }

  /** Moves the window on to this minute if it is the newest: the minutes that fall out of it are emptied. */
  advance(slot: number, minute: number): void {
    const i = slot * this.stride;
    const ints = this.pool.ints;
    const newest = ints[i + NEWEST_MINUTE]!;
    if (minute <= newest) return;
    for (let m = Math.max(newest + 1, minute - this.window + 1); m <= minute; m++) {
      const at = i + RING + (m % this.window) * MINUTE_WORDS;
      ints.fill(0, at, at + MINUTE_WORDS);
    }
    ints[i + NEWEST_MINUTE] = minute;
    this.untrack(slot, (_, m) => m < minute - this.baselineMinutes);
  }

  /** Denials of the key in a minute of its window (0 outside it). */
  count(slot: number, minute: number): number {
    const i = slot * this.stride;
    const newest = this.pool.ints[i + NEWEST_MINUTE]!;
    if (minute > newest || minute < newest - this.baselineMinutes) return 0;
    return this.pool.ints[i + RING + (minute % this.window) * MINUTE_WORDS]!;
  }

  minute(slot: number, minute: number): MinuteCounts {
    const at = slot * this.stride + RING + (minute % this.window) * MINUTE_WORDS;
    const ints = this.pool.ints;
    const last = ints[at + 2]!;
    return {
      count: ints[at]!,
      authFailures: ints[at + 1]! & ~RAISED_IN_MINUTE,
      pushFailures: last & PUSH_MASK,
      distinctPrincipals: (last >>> 16) & DISTINCT_MAX,
      atLeast: (last & AT_LEAST) !== 0,
    };
  }

  /**
   * Adds a denial to the key's minute (in its window): its counts, its principal counted once
   * (`trackPrincipal`, for keys that aggregate principals), and the event as recent evidence.
   */
  record(slot: number, event: CanonicalEvent, minute: number, pushFailure: boolean, trackPrincipal: boolean): void {
    const i = slot * this.stride;
    const ints = this.pool.ints;
    if (minute < ints[i + FIRST_MINUTE]!) ints[i + FIRST_MINUTE] = minute;
    const at = i + RING + (minute % this.window) * MINUTE_WORDS;
    ints[at]!++;
    if (event.kind === 'auth') ints[at + 1]!++;
    if (pushFailure && (ints[at + 2]! & PUSH_MASK) < PUSH_MASK) ints[at + 2]!++;
    if (event.principal_id !== undefined) {
      // A principal's own key has one principal; keys that aggregate principals count each once.
      if (!trackPrincipal) {
        if (((ints[at + 2]! >>> 16) & DISTINCT_MAX) === 0) ints[at + 2]! += DISTINCT_ONE;
      } else if (this.firstTimeInMinute(slot, event.principal_id, minute) && ((ints[at + 2]! >>> 16) & DISTINCT_MAX) < DISTINCT_MAX)
        ints[at + 2]! += DISTINCT_ONE;
    }
    this.pushRecent(slot, event);
  }

  /** The recent denials, oldest first, as evidence. */
  recent(slot: number): EvidenceEvent[] {
    const { ints, floats } = this.pool;
    const out: EvidenceEvent[] = [];
    for (let r = 0; r < ints[slot * this.stride + RECENT]!; r++) {
      const at = this.recentCell(slot, r);
      const policy = (ints[at + R_KIND]! & 1) === 1;
      out.push({
        event_id: this.eventIds.read(ints, at),
        kind: policy ? 'policy' : 'auth',
        time: new Date(floats[this.recentTime(slot, r)]!).toISOString(),
        principal_id: this.strings.get(ints[at + R_PRINCIPAL]!),
        src_ip: ints[at + R_KIND]! & 2 ? unpackIPv4(ints[at + R_SRC_IP]!) : this.strings.get(ints[at + R_SRC_IP]!),
        app: this.strings.get(ints[at + R_APP]!),
        ...(policy ? { decision: 'deny' } : { outcome: 'failure' }),
      } as EvidenceEvent);
    }
    return out;
  }

  /**
   * Forgets a principal in a key that is not theirs: their denials leave the evidence and they
   * leave the tracked principals; the minutes' counts of principals stay (the place is kept).
   */
  forget(slot: number, matches: PrincipalMatch): void {
    const tenant = this.tenant(slot);
    const theirs = (id: number) => {
      const p = this.strings.get(id);
      return p !== undefined && matches(p, tenant);
    };
    this.untrack(slot, (id) => theirs(id));
    const i = slot * this.stride;
    const { ints, floats } = this.pool;
    const count = ints[i + RECENT]!;
    const cells = Array.from({ length: count }, (_, r) => this.recentCell(slot, r));
    if (!cells.some((at) => theirs(ints[at + R_PRINCIPAL]!))) return;
    // Rare: the others are read out (their strings' references with them), the cells emptied, and written back from the first.
    const kept = cells.flatMap((at, r) => {
      if (theirs(ints[at + R_PRINCIPAL]!)) return [];
      return [{ id: this.eventIds.read(ints, at), words: ints.slice(at, at + RECENT_WORDS), time: floats[this.recentTime(slot, r)]! }];
    });
    for (const at of cells) {
      if (theirs(ints[at + R_PRINCIPAL]!)) this.releaseRecent(at);
      else this.eventIds.clear(ints, at);
    }
    ints.fill(0, i + this.recentAt, i + this.recentAt + RECENT_EVENTS * RECENT_WORDS);
    floats.fill(0, slot * RECENT_EVENTS, (slot + 1) * RECENT_EVENTS);
    ints[i + RECENT_HEAD] = 0;
    ints[i + RECENT] = kept.length;
    kept.forEach((k, r) => {
      const at = i + this.recentAt + r * RECENT_WORDS;
      ints.set(k.words, at);
      ints[at] = 0; // the id's flag: written again below
      this.eventIds.write(ints, at, k.id);
      floats[slot * RECENT_EVENTS + r] = k.time;
    });
  }

  /** Whether the principal is new in the minute (then tracked); a minute that cannot be tracked any more counts as "at least". */
  private firstTimeInMinute(slot: number, principal: string, minute: number): boolean {
    const i = slot * this.stride;
    const ints = this.pool.ints;
    const at = i + RING + (minute % this.window) * MINUTE_WORDS;
    if (ints[at + 2]! & AT_LEAST) return false;
    const id = this.strings.peek(principal);
    const tracked = ints[i + TRACKED]!;
    let oldest = Infinity;
    for (let t = 0; t < tracked; t++) {
      const p = i + this.trackedAt + 2 * t;
      if (ints[p + 1] === minute && id !== 0 && ints[p] === id) return false;
      oldest = Math.min(oldest, ints[p + 1]!);
    }
    if (tracked === TRACKED_PRINCIPALS) {
      if (oldest >= minute) {
        ints[at + 2]! |= AT_LEAST;
        return false;
      }
      // The oldest minute's principals make room; a late denial there can no longer be told apart.
      this.untrack(slot, (_, m) => m === oldest);
      ints[i + RING + (oldest % this.window) * MINUTE_WORDS + 2]! |= AT_LEAST;
    }
    const t = ints[i + TRACKED]!++;
    ints[i + this.trackedAt + 2 * t] = this.strings.acquire(principal);
    ints[i + this.trackedAt + 2 * t + 1] = minute;
    return true;
  }

  /** Drops the tracked (principal, minute) pairs `drop` names, keeping the others in order. */
  private untrack(slot: number, drop: (principal: number, minute: number) => boolean): void {
    const i = slot * this.stride;
    const ints = this.pool.ints;
    let kept = 0;
    for (let t = 0; t < ints[i + TRACKED]!; t++) {
      const p = i + this.trackedAt + 2 * t;
      if (drop(ints[p]!, ints[p + 1]!)) {
        this.strings.release(ints[p]!);
        continue;
      }
      const q = i + this.trackedAt + 2 * kept++;
      ints[q] = ints[p]!;
      ints[q + 1] = ints[p + 1]!;
    }
    ints[i + TRACKED] = kept;
  }

  private pushRecent(slot: number, event: CanonicalEvent): void {
    const i = slot * this.stride;
    const { ints, floats } = this.pool;
    const count = ints[i + RECENT]!;
    let p: number;
    if (count === RECENT_EVENTS) {
      p = ints[i + RECENT_HEAD]!;
      this.releaseRecent(i + this.recentAt + p * RECENT_WORDS);
      ints[i + RECENT_HEAD] = (p + 1) % RECENT_EVENTS;
    } else {
      p = (ints[i + RECENT_HEAD]! + count) % RECENT_EVENTS;
      ints[i + RECENT] = count + 1;
    }
    const at = i + this.recentAt + p * RECENT_WORDS;
    this.eventIds.write(ints, at, event.event_id);
    ints[at + R_PRINCIPAL] = this.strings.acquire(event.principal_id);
    const v4 = packIPv4(event.src_ip);
    ints[at + R_SRC_IP] = v4 ?? this.strings.acquire(event.src_ip);
    ints[at + R_APP] = this.strings.acquire(event.app);
    ints[at + R_KIND] = (event.kind === 'policy' ? 1 : 0) | (v4 === undefined ? 0 : 2);
    floats[slot * RECENT_EVENTS + p] = Date.parse(event.time);
  }

  /** The Int32 offset of the r-th recent denial, oldest first. */
  private recentCell(slot: number, r: number): number {
    const i = slot * this.stride;
    return i + this.recentAt + ((this.pool.ints[i + RECENT_HEAD]! + r) % RECENT_EVENTS) * RECENT_WORDS;
  }

  /** The Float64 offset of the r-th recent denial's time. */
  private recentTime(slot: number, r: number): number {
    return slot * RECENT_EVENTS + ((this.pool.ints[slot * this.stride + RECENT_HEAD]! + r) % RECENT_EVENTS);
  }

  private releaseRecent(at: number): void {
    const ints = this.pool.ints;
    this.eventIds.clear(ints, at);
    this.strings.release(ints[at + R_PRINCIPAL]!);
    this.strings.release(ints[at + R_APP]!);
    if (!(ints[at + R_KIND]! & 2)) this.strings.release(ints[at + R_SRC_IP]!);
    ints.fill(0, at, at + RECENT_WORDS);
  }
}
