// Incidents and attacks the simulator injects, from the failure modes of the ZTNA
// measurement guide, each with its ground truth (who and what is involved, when).
import type { Rng } from './rng.js';
import type { Truth } from './shapes.js';
import { drawPrincipal, type Principal, type World } from './world.js';

export const SCENARIOS = [
  'idp-outage',
  'policy-engine-latency',
  'posture-agent-bug',
  'telemetry-loss',
  'policy-misconfig',
  'token-replay',
  'brute-force',
  'password-spray',
  'mfa-push-bombing',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Scenarios a denial-burst scorer should catch, and the replay one for the token scorer. */
export const BURST_SCENARIOS: readonly ScenarioName[] = ['brute-force', 'password-spray', 'mfa-push-bombing', 'policy-misconfig'];

export interface ScenarioWindow {
  name: ScenarioName;
  start: number;
  end: number;
}

/** Ground truth for one injected scenario: written to --labels. */
export interface ScenarioLabel {
  scenario: ScenarioName;
  start: string;
  end: string;
  tenant: string;
  keys: Record<string, string | string[]>;
}

/** What an active scenario does: change a baseline event, and/or emit its own events. */
export interface ActiveScenario {
  window: ScenarioWindow;
  label: ScenarioLabel;
  /** Changes a baseline event in place; returns false to drop it (telemetry loss). */
  alter?(truth: Truth, rng: Rng): boolean;
  /** Time (ms) of this scenario's next own event, if any. */
  nextAt?(): number | undefined;
  /** This scenario's next own event (at nextAt()). */
  emit?(rng: Rng): Truth;
}

/** Parses `name@offset+duration[,…]` (e.g. `idp-outage@30s+10m`) relative to a start time. */
export function parseScenarios(text: string, start: number): ScenarioWindow[] {
  return text
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((item) => parseScenario(item.trim(), start));
}

/** `name` alone takes a default slot: the i-th scenario starts at 20 min + i·25 min and lasts 12 min. */
export function parseScenario(item: string, start: number, index = 0): ScenarioWindow {
  const m = /^([a-z-]+)(?:@(\w+)\+(\w+))?$/.exec(item);
  if (!m) throw new Error(`bad scenario ${item}: use name or name@offset+duration, e.g. idp-outage@30s+10m`);
  if (!(SCENARIOS as readonly string[]).includes(m[1]!)) throw new Error(`unknown scenario ${m[1]}: one of ${SCENARIOS.join(', ')}`);
  const from = start + (m[2] ? duration(m[2]) : (20 + index * 25) * 60_000);
  return { name: m[1] as ScenarioName, start: from, end: from + (m[3] ? duration(m[3]) : 12 * 60_000) };
}

function duration(d: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(d);
  if (!m) throw new Error(`bad duration ${d}: use 30s, 10m or 2h`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'] * 1000;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** A failed login attempt by someone else: no session was established, no enrolled device. */
const attempt = (t: Truth): Truth => ({ ...t, session_id: undefined, device_id: undefined, geo_country: undefined, asn: undefined });
const attackerIp = (rng: Rng) => `${rng.pick([45, 89, 185, 193])}.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`;
const net24 = (ip: string) => ip.split('.').slice(0, 3).join('.');

/** A failed login to the VPN by someone else than the principal, from the attacker's address. */
function failedLogin(ctx: ScenarioContext, principal: Principal, at: number, rng: Rng, overrides: Partial<Truth>): Truth {
  const tenant = ctx.world.tenants.find((t) => t.name === principal.tenant)!;
  return {
    ...attempt(ctx.envelope(principal, 'auth', `idp-${tenant.name}`, at)),
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

/** Periodic injection of events built by `make`, every `everyMs` within the window. */
function periodic(window: ScenarioWindow, everyMs: number, make: (rng: Rng, at: number) => Truth): Pick<ActiveScenario, 'nextAt' | 'emit'> {
  let at = window.start;
  return {
    nextAt: () => (at < window.end ? at : undefined),
    emit: (rng) => {
      const truth = make(rng, at);
      at += everyMs;
      return truth;
    },
  };
}

/** A scripted sequence of events at fixed offsets. */
function scripted(events: Array<{ at: number; make: () => Truth }>): Pick<ActiveScenario, 'nextAt' | 'emit'> {
  let i = 0;
  return { nextAt: () => events[i]?.at, emit: () => events[i++]!.make() };
}

export interface ScenarioContext {
  world: World;
  /** For choosing victims: separate from the baseline's randomness. */
  rng: Rng;
  /** The common envelope of a principal's event at a time (src_ip, device, session …). */
  envelope(principal: Principal, kind: Truth['kind'], emitter: string, at: number, deviceIndex?: number): Truth;
}

export function activate(window: ScenarioWindow, ctx: ScenarioContext): ActiveScenario {
  const { world, rng } = ctx;
  const tenant = rng.pick(world.tenants);
  const users = tenant.principals.filter((p) => p.type === 'user');
  const victim = drawPrincipal(rng, { ...tenant, principals: users, cumulativeWeights: users.map((_, i) => i + 1) });
  const label = (keys: Record<string, string | string[]>): ScenarioLabel => ({ scenario: window.name, start: iso(window.start), end: iso(window.end), tenant: tenant.name, keys });
  const inWindow = (t: Truth) => t.tenant === tenant.name;

  switch (window.name) {
    case 'idp-outage':
      return {
        window,
        label: label({ idp: tenant.idp }),
        alter: (t, r) => {
          if (t.kind === 'auth' && inWindow(t) && r.chance(0.95)) Object.assign(t, { outcome: 'error', failure_reason: 'identity provider unavailable' });
          return true;
        },
      };
    case 'policy-engine-latency': {
      const pep = rng.pick(world.enforcementPoints);
      return {
        window,
        label: label({ enforcement_point: pep }),
        alter: (t, r) => {
          if (t.kind === 'policy' && t.enforcement_point === pep) t.eval_latency_ms = Number(r.logNormal(160, 0.4).toFixed(3));
          return true;
        },
      };
    }
    case 'posture-agent-bug': {
      const version = victim.devices[0]!.agentVersion;
      return {
        window,
        label: label({ agent_version: version }),
        alter: (t, r) => {
          if (t.kind === 'posture' && t.agent_version === version && r.chance(0.9)) {
            const checks = (t.checks as Array<{ name: string; passed: boolean }>).map((c) => (c.name === 'edr_running' ? { ...c, passed: false } : c));
            Object.assign(t, { checks, compliant: false, posture_score: Math.round((100 * checks.filter((c) => c.passed).length) / checks.length) });
          }
          return true;
        },
      };
    }
    case 'telemetry-loss': {
      const emitter = rng.pick(world.enforcementPoints);
      // Only sequenced (native) events can be seen missing; the simulator drops 30 % of the emitter's events.
      return { window, label: label({ emitter }), alter: (t, r) => !(t.emitter_id === emitter && r.chance(0.3)) };
    }
    case 'policy-misconfig': {
      const app = rng.pick(world.apps);
      const version = `${app.policyVersion}-rollout-${rng.hex(4)}`;
      const service = tenant.principals.find((p) => p.type === 'service')!;
      const misconfigured = (t: Truth, r: Rng) =>
        Object.assign(t, r.chance(0.7) ? { decision: 'deny', reasons: ['rule default-deny matched: group claim missing'], rule: 'default-deny' } : {}, { policy_version: version });
      return {
        window,
        label: label({ policy_id: app.policyId, policy_version: version, app: app.name, principal: service.id, src_net: service.net }),
        alter: (t, r) => {
          if (t.kind === 'policy' && inWindow(t) && t.policy_id === app.policyId) misconfigured(t, r);
          return true;
        },
        // The service account retries, and users keep trying the app: extra decisions, mostly denied.
        ...periodic(window, 1500, (r, at) => {
          const who = r.chance(0.3) ? service : r.pick(users);
          const pep = r.pick(world.enforcementPoints);
          return misconfigured(
            { ...ctx.envelope(who, 'policy', pep, at), app: app.name, decision: 'allow', policy_id: app.policyId, policy_version: version, rule: 'allow-compliant-device', action: 'read', eval_latency_ms: 6, reasons: [], enforcement_point: pep },
            r,
          );
        }),
      };
    }
    case 'token-replay': {
      const stolen = `jti-replay-${rng.hex(12)}`;
      const expiring = `jti-replay-${rng.hex(12)}`;
      const thief = { ip: attackerIp(rng), country: rng.pick(['RU', 'KP', 'NG', 'VN']), ua: 'python-requests/2.32', device: `dev-${rng.hex(10)}` };
      const token = (id: string, activity: string, at: number, expiresAt: number, stolenUse = false): Truth => {
        const t = ctx.envelope(victim, 'token', `token-service-${tenant.name}`, at, 0);
        if (stolenUse) Object.assign(t, { src_ip: thief.ip, geo_country: thief.country, user_agent: thief.ua, device_id: thief.device, asn: 9009 });
        return { ...t, activity, token_id: id, token_type: 'access_token', issued_at: iso(window.start - 3 * 60_000), expires_at: iso(expiresAt), client_id: 'git-client', audience: `https://${tenant.name}.example/api`, scopes: ['openid'] };
      };
      // The window starts at the first replayed use; the token was issued and used legitimately before it.
      const s = window.start;
      const m = 60_000;
      const long = s + 60 * m;
      return {
        window,
        label: label({ token_id: [stolen, expiring], principal: victim.id }),
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
    }
    case 'brute-force': {
      const ip = attackerIp(rng);
      return {
        window,
        label: label({ principal: victim.id, src_net: net24(ip), app: 'vpn' }),
        ...periodic(window, 2000, (r, at) => failedLogin(ctx, victim, at, r, { src_ip: ip, user_agent: 'hydra/9.5' })),
      };
    }
    case 'password-spray': {
      const ip = attackerIp(rng);
      return {
        window,
        label: label({ src_net: net24(ip), app: 'vpn' }),
        ...periodic(window, 1000, (r, at) => failedLogin(ctx, r.pick(users), at, r, { src_ip: ip, user_agent: 'Mozilla/5.0 (compatible; spray)' })),
      };
    }
    case 'mfa-push-bombing': {
      // The attacker has the password: each attempt passes it and pushes to the victim's phone.
      const ip = attackerIp(rng);
      return {
        window,
        label: label({ principal: victim.id, src_net: net24(ip), app: 'vpn' }),
        ...periodic(window, 3000, (r, at) =>
          failedLogin(ctx, victim, at, r, { src_ip: ip, auth_method: 'push', mfa: true, failure_reason: 'mfa push rejected', latency_ms: Math.round(r.logNormal(20_000, 0.3)) }),
        ),
      };
    }
  }
}
