// Token and session replay: per credential (token id, or session id), the context it
// was issued to or first used from; a use after revocation or expiry, from another
// device, from another network or country within minutes, or with another user agent
// raises a 0–100 score with the prior context and the events as evidence. A credential's state
// is one slot of typed arrays (credentialState.ts): strings interned, no event kept as an object.
import type { CanonicalEvent } from '../events/index.js';
import { anomaly, BoundedMap, evidenceOf, networkOf, type Anomaly, type PrincipalMatch } from './anomaly.js';
import { CredentialStates } from './credentialState.js';

export interface TokenReplayOptions {
  /** Credentials tracked at most (least recently seen forgotten first). */
  maxCredentials: number;
  /** A credential unseen for this long is forgotten. */
  idleMs: number;
  /** A change of country or network within this long of the last use is suspicious. */
  travelWindowMs: number;
  /** Clock skew tolerated around expiry and revocation. */
  skewMs: number;
  /** Score at which an anomaly is raised. */
  minScore: number;
}

export const DEFAULT_TOKEN_REPLAY: TokenReplayOptions = {
  maxCredentials: 200_000,
  idleMs: 24 * 3600_000,
  travelWindowMs: 30 * 60_000,
  skewMs: 60_000,
  minScore: 50,
};

const WEIGHTS = {
  'used after revocation': 70,
  'used after expiry': 60,
  'different device': 45,
  'different country within minutes': 35,
  'different country': 25,
  'different network within minutes': 15,
  'different network': 10,
  'different user agent': 20,
} as const;
type Reason = keyof typeof WEIGHTS;

const REASONS = Object.keys(WEIGHTS) as Reason[];

const KIND_BY_REASON: Array<[Reason, string]> = [
  ['used after revocation', 'revoked-token-use'],
  ['used after expiry', 'expired-token-use'],
  ['different device', 'device-change'],
  ['different country within minutes', 'impossible-travel'],
];

/** The credential an event presents: a token id, else the session it belongs to. */
export function credentialOf(event: CanonicalEvent): string | undefined {
  if (event.kind === 'token') return `token:${event.token_id}`;
  if ((event.kind === 'auth' || event.kind === 'policy') && event.session_id) return `session:${event.session_id}`;
  return undefined;
}

export class TokenReplayScorer {
  private readonly state = new CredentialStates();
  private readonly credentials: BoundedMap<number>;
  private observed = 0;

  constructor(private readonly options: TokenReplayOptions = DEFAULT_TOKEN_REPLAY) {
    this.credentials = new BoundedMap(options.maxCredentials, (slot) => this.state.release(slot));
  }

  /** How long a credential is remembered without a new event (its idle expiry). */
  get memoryMs(): number {
    return this.options.idleMs;
  }

  /** Credentials held now. */
  get size(): number {
    return this.credentials.size;
  }

  /** Slots of typed-array state in use and strings interned (each at most what the keys held refer to). */
  get held(): { slots: number; strings: number } {
    return this.state.held;
  }

  get evictions(): number {
    return this.credentials.evictions;
  }

  /** Forgets the credentials the principal was issued or first used (`ztna forget`); how many. */
  forgetPrincipal(matches: PrincipalMatch): number {
    return this.credentials.deleteWhere((slot) => {
      const principal = this.state.principal(slot);
      return principal !== undefined && matches(principal, this.state.tenant(slot));
    });
  }

  /** Forgets the credentials for which `drop(credential, tenant, principal)` is true (a keyed partition lost); how many. */
  dropWhere(drop: (credential: string, tenant: string, principal: string | undefined) => boolean): number {
    return this.credentials.deleteWhere((slot, credential) => drop(credential, this.state.tenant(slot), this.state.principal(slot)));
  }

  /** Reasons already reported for this credential by the replica that held it before: not reported again. */
  noteReported(credential: string, reasons: readonly string[]): void {
    const slot = this.credentials.get(credential);
    if (slot === undefined) return;
    for (const reason of reasons) if (REASONS.includes(reason as Reason)) this.state.report(slot, REASONS.indexOf(reason as Reason));
  }

  observe(event: CanonicalEvent): Anomaly[] {
    const key = credentialOf(event);
    if (!key) return [];
    const time = Date.parse(event.time);
    if (++this.observed % 1000 === 0) this.credentials.sweep((slot) => this.state.lastSeen(slot) < time - this.options.idleMs);
    let slot = this.credentials.get(key);
    if (slot === undefined) {
      this.credentials.set(key, (slot = this.state.create(event, time)));
      // A token first seen already past its expiry is judged on it: with records spread over
      // partitions, its use can arrive before its issue (or the issue was never seen).
      if (!(event.kind === 'token' && event.expires_at && time > Date.parse(event.expires_at) + this.options.skewMs)) return [];
    }
    const st = this.state;
    if (event.kind === 'token' && event.activity === 'revoke') {
      st.revoke(slot, time);
      st.seen(slot, time);
      return [];
    }
    // A failed login presents no credential worth judging; an introspection of a revoked token is the server doing its job.
    if ((event.kind === 'auth' && event.outcome !== 'success') || (event.kind === 'token' && event.activity === 'introspect')) return [];

    const reasons = this.reasons(slot, event, time);
    st.seen(slot, time);
    const fresh = reasons.filter((r) => !st.reported(slot, REASONS.indexOf(r)));
    const score = Math.min(
      100,
      reasons.reduce((s, r) => s + WEIGHTS[r], 0),
    );
    if (score < this.options.minScore || fresh.length === 0) return [];
    for (const r of fresh) st.report(slot, REASONS.indexOf(r));
    const context = st.context(slot);
    return [
      anomaly(
        {
          type: 'token_replay',
          kind: KIND_BY_REASON.find(([r]) => reasons.includes(r))?.[1] ?? 'context-change',
          score,
          tenant: context.tenant,
          key,
          time: event.time,
          evidence: {
            reasons,
            events: [st.firstEvent(slot, key), evidenceOf(event)],
            baseline: {
              principal: context.principal,
              device: context.device,
              networks: context.network === undefined ? [] : [context.network],
              countries: context.country === undefined ? [] : [context.country],
              user_agent: context.userAgent,
              expires_at: context.expiresAt === undefined ? undefined : new Date(context.expiresAt).toISOString(),
              revoked_at: context.revokedAt === undefined ? undefined : new Date(context.revokedAt).toISOString(),
            },
          },
        },
        fresh.join('+'),
      ),
    ];
  }

  private reasons(slot: number, event: CanonicalEvent, time: number): Reason[] {
    const st = this.state;
    const reasons: Reason[] = [];
    const skew = this.options.skewMs;
    const soon = time - st.lastSeen(slot) <= this.options.travelWindowMs;
    const revokedAt = st.revokedAt(slot);
    const expiresAt = st.expiresAt(slot);
    if (revokedAt !== undefined && time > revokedAt + skew) reasons.push('used after revocation');
    else if (expiresAt !== undefined && time > expiresAt + skew) reasons.push('used after expiry');
    if (event.device_id && st.differs(slot, 'device', event.device_id)) reasons.push('different device');
    if (event.geo_country && st.differs(slot, 'country', event.geo_country)) {
      reasons.push(soon ? 'different country within minutes' : 'different country');
    }
    const network = networkOf(event.src_ip);
    if (network && st.differs(slot, 'network', network)) {
      reasons.push(soon ? 'different network within minutes' : 'different network');
    }
    if (event.user_agent && st.differs(slot, 'userAgent', event.user_agent)) reasons.push('different user agent');
    return reasons;
  }
}
