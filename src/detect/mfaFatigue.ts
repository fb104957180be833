// MFA push fatigue: an attacker who has the password sends push after push until the victim
// accepts one. Okta's and Elastic's anchor: at least 5 denied pushes for one principal within
// 10 minutes (medium); a successful sign-in of that principal soon after, from the network the
// pushes were asked from, is a likely compromise (high): the attacker's, not the victim's own
// sign-in at home. A sign-in from that network before the pushes make a fatigue answers them:
// the user turned a push down and signed in, and counting starts again. Per principal: the times
// and event ids of the last denied pushes in a ring, the network of the last (interned).
import type { CanonicalEvent } from '../events/index.js';
import { anomaly, evidenceOf, networkOf, type Anomaly, type EvidenceEvent } from './anomaly.js';
import { EVENT_ID_WORDS, EventIdCells } from './eventIds.js';
import { KeyedSlots, type KeyedSlotsOptions } from './keyedSlots.js';

export interface MfaFatigueOptions extends KeyedSlotsOptions {
  /** Denied pushes within the window that make fatigue. */
  minPushes: number;
  windowMs: number;
  /** A success this long after the last denied push escalates. */
  successWithinMs: number;
  score: number;
  successScore: number;
}

export const DEFAULT_MFA_FATIGUE: MfaFatigueOptions = {
  minPushes: 5,
  windowMs: 10 * 60_000,
  successWithinMs: 10 * 60_000,
  score: 60,
  successScore: 85,
  maxKeys: 100_000,
  idleMs: 3600_000,
};

const PUSH = /push|notification/i;
/** Failures of the first factor or the account, not of the push. */
const NOT_THE_PUSH = /invalid credentials|password|locked|disabled|expired/i;

/** A push the user denied: a failed login by push (Okta's deny_push, Entra's app notification), not for a password or the account. */
export const isDeniedPush = (e: CanonicalEvent): boolean =>
  e.kind === 'auth' &&
  e.outcome === 'failure' &&
  (PUSH.test(e.auth_method ?? '') || PUSH.test(e.failure_reason ?? '')) &&
  !NOT_THE_PUSH.test(e.failure_reason ?? '');

// Int32 words after tenant and principal: pushes held, the ring's head, alerts raised (bit 0 fatigue, bit 1 success), the last push's network, then the pushes' event ids.
const COUNT = 2;
const HEAD = 3;
const RAISED = 4;
const NETWORK = 5;
const IDS = 6;
// Float64 words after last seen: the episode's first push, then the pushes' times.
const EPISODE = 1;
const TIMES = 2;

export class MfaFatigueScorer {
  private readonly state: KeyedSlots;
  private readonly eventIds = new EventIdCells();
  private readonly ring: number;

  constructor(private readonly options: MfaFatigueOptions = DEFAULT_MFA_FATIGUE) {
    this.ring = Math.max(8, options.minPushes);
    this.state = new KeyedSlots(IDS + this.ring * EVENT_ID_WORDS, TIMES + this.ring, [NETWORK], options);
  }

  get keys(): KeyedSlots {
    return this.state;
  }

  observe(event: CanonicalEvent): Anomaly[] {
    if (event.kind !== 'auth' || !event.principal_id) return [];
    const denied = isDeniedPush(event);
    if (!denied && event.outcome !== 'success') return [];
    const time = Date.parse(event.time);
    const key = `${event.tenant}/principal:${event.principal_id}`;
    if (!denied && this.state.find(key) === undefined) return [];
    const { slot } = this.state.slot(key, event.tenant, event.principal_id, time);
    const { ints, floats } = this.state.pool;
    const i = slot * this.state.ints;
    const f = slot * this.state.floats;
    if (denied) {
      const at = (ints[i + HEAD]! + ints[i + COUNT]!) % this.ring;
      if (ints[i + COUNT]! < this.ring) ints[i + COUNT]!++;
      else ints[i + HEAD] = (ints[i + HEAD]! + 1) % this.ring;
      floats[f + TIMES + at] = time;
      this.eventIds.write(ints, i + IDS + at * EVENT_ID_WORDS, event.event_id);
      this.state.setString(slot, NETWORK, networkOf(event.src_ip));
    } else {
      const pushedFrom = this.state.string(slot, NETWORK);
      if (pushedFrom !== undefined && networkOf(event.src_ip) !== pushedFrom) return [];
    }
    // The window ends at this push, or for a success at the last push before it.
    const before = this.pushes(slot).filter((p) => p.at <= time);
    const end = before.at(-1)?.at ?? time;
    const pushes = before.filter((p) => p.at > end - this.options.windowMs);
    if (pushes.length < this.options.minPushes) {
      // A sign-in from where the pushes were asked, before they made a fatigue: the user's own,
      // who turned down a push or two and then signed in. Those pushes are answered; counting
      // starts again (a busy user's stray denials, hours apart by sign-ins, never add up).
      if (!denied) this.answered(slot, time);
      return [];
    }
    // An episode: pushes since the first of the window; a new one starts once the last has aged out.
    if (floats[f + EPISODE]! === 0 || floats[f + EPISODE]! < pushes[0]!.at - this.options.windowMs) {
      floats[f + EPISODE] = pushes[0]!.at;
      ints[i + RAISED] = 0;
    }
    const episode = floats[f + EPISODE]!;
    const evidence = [...pushes.slice(-5).map((p) => p.evidence), ...(denied ? [] : [evidenceOf(event)])];
    if (denied) {
      if (ints[i + RAISED]! & 1) return [];
      ints[i + RAISED]! |= 1;
      return [this.anomalyOf(event, 'mfa-fatigue', this.options.score, pushes.length, episode, evidence)];
    }
    if (ints[i + RAISED]! & 2) return [];
    if (time - end > this.options.successWithinMs) {
      this.answered(slot, time);
      return [];
    }
    ints[i + RAISED]! |= 2;
    return [this.anomalyOf(event, 'mfa-fatigue-success', this.options.successScore, pushes.length, episode, evidence)];
  }

  /** Forgets the pushes held at or before this time (answered by a sign-in), keeping later ones in order. */
  private answered(slot: number, time: number): void {
    const { ints, floats } = this.state.pool;
    const i = slot * this.state.ints;
    const f = slot * this.state.floats;
    const held = ints[i + COUNT]!;
    const cells = Array.from({ length: held }, (_, k) => (ints[i + HEAD]! + k) % this.ring);
    if (cells.every((at) => floats[f + TIMES + at]! > time)) return;
    // Rare (a push turned down, then a sign-in): the later pushes read out, the cells emptied, written back from the first.
    const kept = cells
      .filter((at) => floats[f + TIMES + at]! > time)
      .map((at) => ({ at: floats[f + TIMES + at]!, id: this.eventIds.read(ints, i + IDS + at * EVENT_ID_WORDS) }));
    for (const at of cells) this.eventIds.clear(ints, i + IDS + at * EVENT_ID_WORDS);
    kept.forEach((push, k) => {
      floats[f + TIMES + k] = push.at;
      this.eventIds.write(ints, i + IDS + k * EVENT_ID_WORDS, push.id);
    });
    ints[i + HEAD] = 0;
    ints[i + COUNT] = kept.length;
  }

  /** The pushes held, oldest first, as times and evidence events. */
  private pushes(slot: number): Array<{ at: number; evidence: EvidenceEvent }> {
    const { ints, floats } = this.state.pool;
    const i = slot * this.state.ints;
    const f = slot * this.state.floats;
    const principal = this.state.principal(slot);
    const out: Array<{ at: number; evidence: EvidenceEvent }> = [];
    for (let k = 0; k < ints[i + COUNT]!; k++) {
      const at = (ints[i + HEAD]! + k) % this.ring;
      const time = floats[f + TIMES + at]!;
      out.push({
        at: time,
        evidence: {
          event_id: this.eventIds.read(ints, i + IDS + at * EVENT_ID_WORDS),
          kind: 'auth',
          time: new Date(time).toISOString(),
          principal_id: principal,
          outcome: 'failure',
        },
      });
    }
    return out.sort((a, b) => a.at - b.at);
  }

  private anomalyOf(event: CanonicalEvent, kind: string, score: number, pushes: number, episode: number, events: EvidenceEvent[]): Anomaly {
    const minutes = this.options.windowMs / 60_000;
    return anomaly(
      {
        type: 'mfa_fatigue',
        kind,
        score,
        tenant: event.tenant,
        key: `principal:${event.principal_id}`,
        time: event.time,
        evidence: {
          reasons: [
            `${pushes} denied MFA pushes within ${minutes} min`,
            ...(kind === 'mfa-fatigue-success' ? ['a successful sign-in followed from the same network: likely compromise'] : []),
          ],
          events,
          baseline: { min_pushes: this.options.minPushes, window_minutes: minutes, episode_start: new Date(episode).toISOString() },
        },
      },
      `${kind}:${episode}`,
    );
  }
}
