// Attacks: a stolen token replayed, and three kinds of failed logins from an attacker's
// address. They inject their own events; the anomaly scorers are the ones to catch them.
import type { Rng } from '../rng.js';
import type { Truth } from '../shapes.js';
import type { Principal, Tenant } from '../world.js';
import { defineScenario, iso, PASSWORD_FAILURE_SHAPES, periodic, PUSH_SHAPES, scripted, type ScenarioContext } from '../scenario.js';

const attackerIp = (rng: Rng) => `${rng.pick([45, 89, 185, 193])}.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`;
const net24 = (ip: string) => ip.split('.').slice(0, 3).join('.');

/** A failed login to the VPN as the principal, by someone else: no session, no enrolled device. */
function failedLogin(ctx: ScenarioContext, tenant: Tenant, principal: Principal, at: number, rng: Rng, overrides: Partial<Truth>): Truth {
  return {
    ...ctx.envelope(principal, 'auth', `idp-${tenant.name}`, at),
    session_id: undefined,
    device_id: undefined,
    geo_country: undefined,
    asn: undefined,
    app: 'vpn',
    outcome: 'failure',
    auth_method: 'password',
    mfa: false,
    idp: tenant.idp,
    latency_ms: Math.round(rng.logNormal(150, 0.3)),
    failure_reason: 'invalid credentials',
    ...overrides,
  };
}

/**
 * The victim's token is stolen and used from the thief's device, network and country, before
 * and after its revocation; a second token is used after it expired. The window starts at the
 * first replayed use; the token was issued and used legitimately before it.
 */
export const tokenReplay = defineScenario({
  labels: ['token_id', 'principal'],
  build: ({ tenant, victim }, { start: s }, ctx) => {
    const { rng } = ctx;
    const stolen = `jti-replay-${rng.hex(12)}`;
    const expiring = `jti-replay-${rng.hex(12)}`;
    const thief = {
      ip: attackerIp(rng),
      country: rng.pick(['RU', 'KP', 'NG', 'VN']),
      ua: 'python-requests/2.32',
      device: `dev-${rng.hex(10)}`,
    };
    const token = (id: string, activity: string, at: number, expiresAt: number, stolenUse = false): Truth => {
      const t = ctx.envelope(victim, 'token', `token-service-${tenant.name}`, at, 0);
      if (stolenUse)
        Object.assign(t, { src_ip: thief.ip, geo_country: thief.country, user_agent: thief.ua, device_id: thief.device, asn: 9009 });
      return {
        ...t,
        activity,
        token_id: id,
        token_type: 'access_token',
        issued_at: iso(s - 3 * 60_000),
        expires_at: iso(expiresAt),
        client_id: 'git-client',
        audience: `https://${tenant.name}.example/api`,
        scopes: ['openid'],
      };
    };
    const m = 60_000;
    const long = s + 60 * m;
    return {
      keys: { token_id: [stolen, expiring], principal: victim.id },
      ...scripted([
        { at: s - 3 * m, make: () => token(stolen, 'issue', s - 3 * m, long) },
        { at: s - 2 * m, make: () => token(stolen, 'use', s - 2 * m, long) },
        { at: s, make: () => token(stolen, 'use', s, long, true) },
        { at: s + 1 * m, make: () => token(stolen, 'use', s + 1 * m, long, true) },
        { at: s + 3 * m, make: () => token(stolen, 'revoke', s + 3 * m, long) },
        { at: s + 4 * m, make: () => token(stolen, 'use', s + 4 * m, long, true) },
        { at: s + 5 * m, make: () => token(expiring, 'issue', s + 5 * m, s + 6 * m) },
        { at: s + 8 * m, make: () => token(expiring, 'use', s + 8 * m, s + 6 * m) },
      ]),
    };
  },
});

/** One failed password login every 2 s as the victim, from one attacker address. */
export const bruteForce = defineScenario({
  labels: ['principal', 'src_net', 'app'],
  shapes: PASSWORD_FAILURE_SHAPES,
  build: ({ tenant, victim }, span, ctx) => {
    const ip = attackerIp(ctx.rng);
    return {
      keys: { principal: victim.id, src_net: net24(ip), app: 'vpn' },
      ...periodic(span, 2000, (r, at) => failedLogin(ctx, tenant, victim, at, r, { src_ip: ip, user_agent: 'hydra/9.5' })),
    };
  },
});

/**
 * A few common passwords against a list of 10 of the tenant's users, from one attacker address:
 * one failed login a second, round after round, so each user is tried again every 10 s.
 */
export const passwordSpray = defineScenario({
  labels: ['src_net', 'app'],
  shapes: PASSWORD_FAILURE_SHAPES,
  build: ({ tenant, users }, span, ctx) => {
    const ip = attackerIp(ctx.rng);
    // Ten different users: drawn twice, one would be tried 12 times a minute, a brute force of its own.
    const targets: Principal[] = [];
    while (targets.length < Math.min(10, users.length)) {
      const user = ctx.rng.pick(users);
      if (!targets.includes(user)) targets.push(user);
    }
    let attempt = 0;
    return {
      keys: { src_net: net24(ip), app: 'vpn' },
      ...periodic(span, 1000, (r, at) =>
        failedLogin(ctx, tenant, targets[attempt++ % targets.length]!, at, r, {
          src_ip: ip,
          user_agent: 'Mozilla/5.0 (compatible; spray)',
        }),
      ),
    };
  },
});

/**
 * Pairs from another site's breach tried from one attacker address, one every 2 s: the tenant's
 * users and addresses it does not have, each tried once, one in ten twice; all fail.
 */
export const credentialStuffing = defineScenario({
  labels: ['src_net', 'app'],
  shapes: PASSWORD_FAILURE_SHAPES,
  build: ({ tenant, users }, span, ctx) => {
    const ip = attackerIp(ctx.rng);
    let again: Principal | undefined;
    return {
      keys: { src_net: net24(ip), app: 'vpn' },
      ...periodic(span, 2000, (r, at) => {
        const who: Principal = again ?? (r.chance(0.5) ? r.pick(users) : { ...users[0]!, id: `${r.hex(8)}@${tenant.name}.example` });
        again = again === undefined && r.chance(0.1) ? who : undefined;
        return failedLogin(ctx, tenant, who, at, r, { src_ip: ip, user_agent: 'python-requests/2.32.3' });
      }),
    };
  },
});

/** The attacker has the password: every 3 s an attempt passes it and pushes to the victim's phone, who rejects it. */
export const mfaPushBombing = defineScenario({
  labels: ['principal', 'src_net', 'app'],
  shapes: PUSH_SHAPES,
  build: ({ tenant, victim }, span, ctx) => {
    const ip = attackerIp(ctx.rng);
    return {
      keys: { principal: victim.id, src_net: net24(ip), app: 'vpn' },
      ...periodic(span, 3000, (r, at) =>
        failedLogin(ctx, tenant, victim, at, r, {
          src_ip: ip,
          auth_method: 'push',
          mfa: true,
          failure_reason: 'mfa push rejected',
          latency_ms: Math.round(r.logNormal(20_000, 0.3)),
        }),
      ),
    };
  },
});
