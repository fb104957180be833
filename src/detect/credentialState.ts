// The token-replay scorer's state per credential, one slot of typed arrays: the context it was
// issued to or first used from (interned ids), expiry, revocation, last use, the reasons
// already reported, and its first event, kept field by field to be given back as evidence.
import { TOKEN_ACTIVITIES, type CanonicalEvent } from '../events/index.js';
import { packIPv4, unpackIPv4 } from './addresses.js';
import { networkOf, type EvidenceEvent } from './anomaly.js';
import { EVENT_ID_WORDS, EventIdCells } from './eventIds.js';
import { InternTable } from './intern.js';
import { SlotPool } from './slots.js';

// Int32 words: interned ids, then codes, then the first event's id.
const TENANT = 0;
const PRINCIPAL = 1;
const DEVICE = 2;
const NETWORK = 3;
const COUNTRY = 4;
const USER_AGENT = 5;
const SRC_IP = 6;
const APP = 7;
/** auth_method of an auth event, policy_id of a policy event. */
const AUX1 = 8;
/** policy_version of a policy event. */
const AUX2 = 9;
const INTERNED = [TENANT, PRINCIPAL, DEVICE, NETWORK, COUNTRY, USER_AGENT, APP, AUX1, AUX2];
/** Bits 0-1 kind, 2-5 activity/outcome/decision, 6-7 mfa (0 none, 1 false, 2 true), 8 has expiry, 9 revoked, 10+ reasons reported. */
const CODES = 10;
const EVENT_ID = 11;
const INTS = EVENT_ID + EVENT_ID_WORDS;
// Float64 words.
const EXPIRES_AT = 0;
const REVOKED_AT = 1;
const LAST_SEEN = 2;
const FIRST_TIME = 3;
const FLOATS = 4;

const KINDS = ['token', 'auth', 'policy'] as const;
const OUTCOMES = ['success', 'failure', 'error'] as const;
const DECISIONS = ['allow', 'deny', 'error'] as const;
const HAS_EXPIRY = 1 << 8;
/** SRC_IP holds an IPv4 address's bits, not an interned id. */
const IPV4_BITS = 1 << 31;
const REVOKED = 1 << 9;
const REPORTED = 10;

type Compared = 'device' | 'country' | 'network' | 'userAgent';
const COMPARED: Record<Compared, number> = { device: DEVICE, country: COUNTRY, network: NETWORK, userAgent: USER_AGENT };

export class CredentialStates {
  private readonly strings = new InternTable();
  private readonly pool = new SlotPool(INTS, FLOATS);
  private readonly eventIds = new EventIdCells();

  /** Slots in use and strings interned: what the state holds, whatever the keys' map says. */
  get held(): { slots: number; strings: number } {
    return { slots: this.pool.live, strings: this.strings.size };
  }

  /** A slot holding the context of the credential's first event. */
  create(event: CanonicalEvent, time: number): number {
    const slot = this.pool.alloc();
    const i = slot * INTS;
    const f = slot * FLOATS;
    const { ints, floats } = this.pool;
    const s = this.strings;
    ints[i + TENANT] = s.acquire(event.tenant);
    ints[i + PRINCIPAL] = s.acquire(event.principal_id);
    ints[i + DEVICE] = s.acquire(event.device_id);
    ints[i + NETWORK] = s.acquire(networkOf(event.src_ip));
    ints[i + COUNTRY] = s.acquire(event.geo_country);
    ints[i + USER_AGENT] = s.acquire(event.user_agent);
    ints[i + APP] = s.acquire(event.app);
    let codes = 0;
    if (event.kind === 'token') {
      codes = TOKEN_ACTIVITIES.indexOf(event.activity) << 2;
      if (event.expires_at) {
        codes |= HAS_EXPIRY;
        floats[f + EXPIRES_AT] = Date.parse(event.expires_at);
      }
      if (event.activity === 'revoke') {
        codes |= REVOKED;
        floats[f + REVOKED_AT] = time;
      }
    } else if (event.kind === 'auth') {
      codes = 1 | (OUTCOMES.indexOf(event.outcome) << 2) | ((event.mfa === undefined ? 0 : event.mfa ? 2 : 1) << 6);
      ints[i + AUX1] = s.acquire(event.auth_method);
    } else if (event.kind === 'policy') {
      codes = 2 | (DECISIONS.indexOf(event.decision) << 2);
      ints[i + AUX1] = s.acquire(event.policy_id);
      ints[i + AUX2] = s.acquire(event.policy_version);
    }
    const v4 = packIPv4(event.src_ip);
    if (v4 === undefined) ints[i + SRC_IP] = s.acquire(event.src_ip);
    else {
      ints[i + SRC_IP] = v4;
      codes |= IPV4_BITS;
    }
    ints[i + CODES] = codes;
    floats[f + LAST_SEEN] = time;
    floats[f + FIRST_TIME] = time;
    this.eventIds.write(ints, i + EVENT_ID, event.event_id);
    return slot;
  }

  /** Frees the slot and its strings. */
  release(slot: number): void {
    const i = slot * INTS;
    for (const w of INTERNED) this.strings.release(this.pool.ints[i + w]!);
    if (!(this.pool.ints[i + CODES]! & IPV4_BITS)) this.strings.release(this.pool.ints[i + SRC_IP]!);
    this.eventIds.clear(this.pool.ints, i + EVENT_ID);
    this.pool.release(slot);
  }

  tenant(slot: number): string {
    return this.strings.get(this.pool.ints[slot * INTS + TENANT]!)!;
  }

  principal(slot: number): string | undefined {
    return this.strings.get(this.pool.ints[slot * INTS + PRINCIPAL]!);
  }

  lastSeen(slot: number): number {
    return this.pool.floats[slot * FLOATS + LAST_SEEN]!;
  }

  seen(slot: number, time: number): void {
    const f = slot * FLOATS + LAST_SEEN;
    this.pool.floats[f] = Math.max(this.pool.floats[f]!, time);
  }

  expiresAt(slot: number): number | undefined {
    return this.pool.ints[slot * INTS + CODES]! & HAS_EXPIRY ? this.pool.floats[slot * FLOATS + EXPIRES_AT] : undefined;
  }

  revokedAt(slot: number): number | undefined {
    return this.pool.ints[slot * INTS + CODES]! & REVOKED ? this.pool.floats[slot * FLOATS + REVOKED_AT] : undefined;
  }

  /** Revoked at this time, unless it was already. */
  revoke(slot: number, time: number): void {
    const c = slot * INTS + CODES;
    if (this.pool.ints[c]! & REVOKED) return;
    this.pool.ints[c]! |= REVOKED;
    this.pool.floats[slot * FLOATS + REVOKED_AT] = time;
  }

  /** Whether the context has this field and the value is another. */
  differs(slot: number, field: Compared, value: string): boolean {
    const held = this.pool.ints[slot * INTS + COMPARED[field]]!;
    return held !== 0 && held !== this.strings.peek(value);
  }

  reported(slot: number, reason: number): boolean {
    return (this.pool.ints[slot * INTS + CODES]! & (1 << (REPORTED + reason))) !== 0;
  }

  report(slot: number, reason: number): void {
    this.pool.ints[slot * INTS + CODES]! |= 1 << (REPORTED + reason);
  }

  /** The context as strings, for the evidence's baseline. */
  context(slot: number) {
    const i = slot * INTS;
    const id = (w: number) => this.strings.get(this.pool.ints[i + w]!);
    return {
      tenant: id(TENANT)!,
      principal: id(PRINCIPAL),
      device: id(DEVICE),
      network: id(NETWORK),
      country: id(COUNTRY),
      userAgent: id(USER_AGENT),
      expiresAt: this.expiresAt(slot),
      revokedAt: this.revokedAt(slot),
    };
  }

  /** The credential's first event as evidenceOf gave it (the token id is the key's). */
  firstEvent(slot: number, key: string): EvidenceEvent {
    const i = slot * INTS;
    const { ints, floats } = this.pool;
    const id = (w: number) => this.strings.get(ints[i + w]!);
    const codes = ints[i + CODES]!;
    const kind = KINDS[codes & 3]!;
    const detail = (codes >> 2) & 15;
    const first: EvidenceEvent = {
      event_id: this.eventIds.read(ints, i + EVENT_ID),
      kind,
      time: new Date(floats[slot * FLOATS + FIRST_TIME]!).toISOString(),
      principal_id: id(PRINCIPAL),
      device_id: id(DEVICE),
      src_ip: codes & IPV4_BITS ? unpackIPv4(ints[i + SRC_IP]!) : id(SRC_IP),
      geo_country: id(COUNTRY),
      user_agent: id(USER_AGENT),
      app: id(APP),
    };
    if (kind === 'auth') {
      const mfa = (codes >> 6) & 3;
      Object.assign(first, { outcome: OUTCOMES[detail], auth_method: id(AUX1), mfa: mfa === 0 ? undefined : mfa === 2 });
    } else if (kind === 'policy') Object.assign(first, { decision: DECISIONS[detail], policy_id: id(AUX1), policy_version: id(AUX2) });
    else {
      const expiresAt = this.expiresAt(slot);
      Object.assign(first, {
        activity: TOKEN_ACTIVITIES[detail],
        token_id: key.slice('token:'.length),
        expires_at: expiresAt === undefined ? undefined : new Date(expiresAt).toISOString(),
      });
    }
    return first;
  }
}
