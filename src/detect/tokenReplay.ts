// Token and session replay: per credential (token id, or session id), the context it
// was issued to or first used from; a use after revocation or expiry, from another
// device, from another network or country within minutes, or with another user agent
// raises a 0–100 score with the prior context and the events as evidence.
import type { CanonicalEvent } from '../events/index.js';
import { anomaly, BoundedMap, evidenceOf, networkOf, type Anomaly, type EvidenceEvent, type PrincipalMatch } from './anomaly.js';

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

interface Context {
  tenant: string;
  principal?: string | undefined;
  device?: string | undefined;
  networks: string[];
  countries: string[];
  userAgent?: string | undefined;
  expiresAt?: number | undefined;
  revokedAt?: number | undefined;
  lastSeen: number;
  first: EvidenceEvent;
  reported: string[];
}

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
  private readonly credentials: BoundedMap<Context>;
  private observed = 0;

  constructor(private readonly options: TokenReplayOptions = DEFAULT_TOKEN_REPLAY) {
    this.credentials = new BoundedMap(options.maxCredentials);
  }

  /** Credentials held now. */
  get size(): number {
    return this.credentials.size;
  }

  get evictions(): number {
    return this.credentials.evictions;
  }

  /** Forgets the credentials the principal was issued or first used (`ztna forget`); how many. */
  forgetPrincipal(matches: PrincipalMatch): number {
    return this.credentials.deleteWhere((c) => c.principal !== undefined && matches(c.principal, c.tenant));
  }

  observe(event: CanonicalEvent): Anomaly[] {
    const key = credentialOf(event);
    if (!key) return [];
    const time = Date.parse(event.time);
    if (++this.observed % 1000 === 0) this.credentials.sweep((c) => c.lastSeen < time - this.options.idleMs);
    const ctx = this.credentials.get(key);
    if (!ctx) {
      this.credentials.set(key, this.newContext(event, time));
      return [];
    }
    if (event.kind === 'token' && event.activity === 'revoke') {
      ctx.revokedAt ??= time;
      ctx.lastSeen = Math.max(ctx.lastSeen, time);
      return [];
    }
    // A failed login presents no credential worth judging; an introspection of a revoked token is the server doing its job.
    if ((event.kind === 'auth' && event.outcome !== 'success') || (event.kind === 'token' && event.activity === 'introspect')) return [];

    const reasons = this.reasons(ctx, event, time);
    ctx.lastSeen = Math.max(ctx.lastSeen, time);
    const fresh = reasons.filter((r) => !ctx.reported.includes(r));
    const score = Math.min(
      100,
      reasons.reduce((s, r) => s + WEIGHTS[r], 0),
    );
    if (score < this.options.minScore || fresh.length === 0) return [];
    ctx.reported.push(...fresh);
    return [
      anomaly(
        {
          type: 'token_replay',
          kind: KIND_BY_REASON.find(([r]) => reasons.includes(r))?.[1] ?? 'context-change',
          score,
          tenant: ctx.tenant,
          key,
          time: event.time,
          evidence: {
            reasons,
            events: [ctx.first, evidenceOf(event)],
            baseline: {
              principal: ctx.principal,
              device: ctx.device,
              networks: ctx.networks,
              countries: ctx.countries,
              user_agent: ctx.userAgent,
              expires_at: ctx.expiresAt === undefined ? undefined : new Date(ctx.expiresAt).toISOString(),
              revoked_at: ctx.revokedAt === undefined ? undefined : new Date(ctx.revokedAt).toISOString(),
            },
          },
        },
        event,
      ),
    ];
  }

  private newContext(event: CanonicalEvent, time: number): Context {
    const network = networkOf(event.src_ip);
    return {
      tenant: event.tenant,
      principal: event.principal_id,
      device: event.device_id,
      networks: network ? [network] : [],
      countries: event.geo_country ? [event.geo_country] : [],
      userAgent: event.user_agent,
      expiresAt: event.kind === 'token' && event.expires_at ? Date.parse(event.expires_at) : undefined,
      revokedAt: event.kind === 'token' && event.activity === 'revoke' ? time : undefined,
      lastSeen: time,
      first: evidenceOf(event),
      reported: [],
    };
  }

  private reasons(ctx: Context, event: CanonicalEvent, time: number): Reason[] {
    const reasons: Reason[] = [];
    const skew = this.options.skewMs;
    const soon = time - ctx.lastSeen <= this.options.travelWindowMs;
    if (ctx.revokedAt !== undefined && time > ctx.revokedAt + skew) reasons.push('used after revocation');
    else if (ctx.expiresAt !== undefined && time > ctx.expiresAt + skew) reasons.push('used after expiry');
    if (event.device_id && ctx.device && event.device_id !== ctx.device) reasons.push('different device');
    if (event.geo_country && ctx.countries.length > 0 && !ctx.countries.includes(event.geo_country)) {
      reasons.push(soon ? 'different country within minutes' : 'different country');
    }
    const network = networkOf(event.src_ip);
    if (network && ctx.networks.length > 0 && !ctx.networks.includes(network)) {
      reasons.push(soon ? 'different network within minutes' : 'different network');
    }
    if (event.user_agent && ctx.userAgent && event.user_agent !== ctx.userAgent) reasons.push('different user agent');
    return reasons;
  }
}
