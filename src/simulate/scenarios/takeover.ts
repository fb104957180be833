// Account takeover: what follows a stolen password or session, each as analysts' rules know it
// (Okta's and Entra's): push fatigue until the victim gives in, a session cookie replayed by a
// script, a sign-in from across the world minutes after one at home, and — benign but worth a
// note — a new device. They inject their own events.
import type { Rng } from '../rng.js';
import type { Truth } from '../shapes.js';
import type { Principal, Tenant } from '../world.js';
import { defineScenario, PUSH_SHAPES, scripted, type ScenarioContext } from '../scenario.js';

const attackerIp = (rng: Rng) => `${rng.pick([45, 89, 185, 193])}.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`;
const net24 = (ip: string) => ip.split('.').slice(0, 3).join('.');
/** Countries far from each other and from the world's homes: a sign-in from one right after one at home is impossible travel. */
const FAR = ['AU', 'JP', 'BR', 'US', 'NG', 'IN'];

function signIn(ctx: ScenarioContext, tenant: Tenant, who: Principal, at: number, rng: Rng, overrides: Partial<Truth>): Truth {
  return {
    ...ctx.envelope(who, 'auth', `idp-${tenant.name}`, at, 0),
    app: 'vpn',
    outcome: 'success',
    auth_method: 'password',
    mfa: false,
    idp: tenant.idp,
    latency_ms: Math.round(rng.logNormal(180, 0.3)),
    ...overrides,
  };
}

function access(ctx: ScenarioContext, who: Principal, at: number, overrides: Partial<Truth>): Truth {
  return {
    ...ctx.envelope(who, 'policy', 'pep-gw-1', at, 0),
    app: 'git',
    decision: 'allow',
    policy_id: 'ztna/git/allow',
    policy_version: '2026.1.1',
    rule: 'allow-compliant-device',
    action: 'read',
    eval_latency_ms: 5,
    reasons: [],
    enforcement_point: 'pep-gw-1',
    ...overrides,
  };
}

const every = (from: number, to: number, stepMs: number) =>
  Array.from({ length: Math.max(0, Math.ceil((to - from) / stepMs)) }, (_, k) => from + k * stepMs);

/** The attacker has the password: a push every 20 s, which the victim denies 12 times, then accepts. */
export const mfaFatigue = defineScenario({
  labels: ['principal', 'src_net'],
  shapes: PUSH_SHAPES,
  build: ({ tenant, victim }, { start }, ctx) => {
    const ip = attackerIp(ctx.rng);
    const device = `dev-${ctx.rng.hex(10)}`;
    const attempt = (at: number, outcome: 'success' | 'failure') => () =>
      signIn(ctx, tenant, victim, at, ctx.rng, {
        src_ip: ip,
        device_id: device,
        session_id: undefined,
        auth_method: 'push',
        mfa: true,
        outcome,
        ...(outcome === 'failure' ? { failure_reason: 'mfa push rejected' } : {}),
      });
    const pushes = every(start, start + 12 * 20_000, 20_000).map((at) => ({ at, make: attempt(at, 'failure') }));
    const accepted = start + 12 * 20_000 + 15_000;
    return {
      keys: { principal: victim.id, src_net: net24(ip) },
      ...scripted([...pushes, { at: accepted, make: attempt(accepted, 'success') }]),
    };
  },
});

/** The victim signs in; 2 minutes later a script uses the session from the thief's network, every 20 s to the end. */
export const sessionHijack = defineScenario({
  labels: ['session_id', 'principal', 'src_net'],
  build: ({ tenant, victim }, { start, end }, ctx) => {
    const ip = attackerIp(ctx.rng);
    const session = `s-${ctx.rng.hex(16)}`;
    const agent = ctx.rng.pick(['curl/8.5.0', 'python-requests/2.32.3', 'Go-http-client/1.1']);
    const uses = every(start + 2 * 60_000, end, 20_000).map((at) => ({
      at,
      make: () =>
        access(ctx, victim, at, { session_id: session, src_ip: ip, user_agent: agent, device_id: undefined, geo_country: undefined }),
    }));
    return {
      keys: { session_id: session, principal: victim.id, src_net: net24(ip) },
      ...scripted([{ at: start, make: () => signIn(ctx, tenant, victim, start, ctx.rng, { session_id: session }) }, ...uses]),
    };
  },
});

/** The victim signs in at home; 5 minutes later someone signs in as them from a country thousands of km away. */
export const impossibleTravel = defineScenario({
  labels: ['principal', 'src_net'],
  // Duo says where each login came from; Auth0's and Google's records name no country.
  shapes: ['duo'],
  build: ({ tenant, victim }, { start }, ctx) => {
    const ip = attackerIp(ctx.rng);
    const away = ctx.rng.pick(FAR.filter((c) => c !== victim.country));
    const later = start + 5 * 60_000;
    return {
      keys: { principal: victim.id, src_net: net24(ip) },
      ...scripted([
        { at: start, make: () => signIn(ctx, tenant, victim, start, ctx.rng, {}) },
        {
          at: later,
          make: () =>
            signIn(ctx, tenant, victim, later, ctx.rng, {
              src_ip: ip,
              geo_country: away,
              device_id: `dev-${ctx.rng.hex(10)}`,
              session_id: `s-${ctx.rng.hex(16)}`,
            }),
        },
      ]),
    };
  },
});

/**
 * A service's secret leaked: from the window's start someone else uses it every 30 s, signing
 * in as the service from a network, operator and country it never used (the guide's F8).
 */
export const leakedServiceSecret = defineScenario({
  labels: ['principal', 'src_net'],
  build: ({ tenant }, { start, end }, ctx) => {
    const service = ctx.rng.pick(tenant.principals.filter((p) => p.type === 'service'));
    const ip = attackerIp(ctx.rng);
    const away = ctx.rng.pick(FAR.filter((c) => c !== service.country));
    const uses = every(start, end, 30_000).map((at) => ({
      at,
      make: () =>
        signIn(ctx, tenant, service, at, ctx.rng, {
          src_ip: ip,
          geo_country: away,
          asn: 14061,
          auth_method: 'client_credentials',
          device_id: undefined,
          session_id: undefined,
          user_agent: 'python-requests/2.32.3',
        }),
    }));
    return { keys: { principal: service.id, src_net: net24(ip) }, ...scripted(uses) };
  },
});

/** The victim's new laptop: a sign-in from home on a device never seen, then its use every 30 s. */
export const newDevice = defineScenario({
  labels: ['principal', 'device'],
  build: ({ tenant, victim }, { start, end }, ctx) => {
    const device = `dev-${ctx.rng.hex(10)}`;
    const session = `s-${ctx.rng.hex(16)}`;
    const on = { device_id: device, session_id: session };
    return {
      keys: { principal: victim.id, device },
      ...scripted([
        { at: start, make: () => signIn(ctx, tenant, victim, start, ctx.rng, on) },
        ...every(start + 30_000, end, 30_000).map((at) => ({ at, make: () => access(ctx, victim, at, on) })),
      ]),
    };
  },
});
