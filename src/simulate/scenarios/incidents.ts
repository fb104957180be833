// Incidents of the access system itself: while active they change baseline events. The first
// four are the burn-rate alerts' to catch; a crashed enforcement point, its health's; a slow
// gateway, the gateway latency SLO's; a broad grant, the over-privilege views'; the
// misconfigured rollout, the denial-burst scorer's.
import type { Rng } from '../rng.js';
import type { Truth } from '../shapes.js';
import { changeInPlace, defineScenario, periodic } from '../scenario.js';

/** The tenant's IdP fails: 95 % of its logins end in an error (the system's, not the user's). */
export const idpOutage = defineScenario({
  labels: ['idp'],
  build: ({ tenant }) => ({
    keys: { idp: tenant.idp },
    alter: changeInPlace((t, r) => {
      if (t.kind === 'auth' && t.tenant === tenant.name && r.chance(0.95))
        Object.assign(t, { outcome: 'error', failure_reason: 'identity provider unavailable' });
    }),
  }),
});

/** One enforcement point's policy evaluations slow down to a median of 160 ms. */
export const policyEngineLatency = defineScenario({
  labels: ['enforcement_point'],
  build: (_target, _span, { world, rng }) => {
    const pep = rng.pick(world.enforcementPoints);
    return {
      keys: { enforcement_point: pep },
      alter: changeInPlace((t, r) => {
        if (t.kind === 'policy' && t.enforcement_point === pep) t.eval_latency_ms = Number(r.logNormal(160, 0.4).toFixed(3));
      }),
    };
  },
});

/** A posture agent version reports EDR as stopped on 90 % of its checks: devices turn non-compliant. */
export const postureAgentBug = defineScenario({
  labels: ['agent_version'],
  build: ({ victim }) => {
    const version = victim.devices[0]!.agentVersion;
    return {
      keys: { agent_version: version },
      alter: changeInPlace((t, r) => {
        if (t.kind === 'posture' && t.agent_version === version && r.chance(0.9)) {
          const checks = (t.checks as Array<{ name: string; passed: boolean }>).map((c) =>
            c.name === 'edr_running' ? { ...c, passed: false } : c,
          );
          Object.assign(t, {
            checks,
            compliant: false,
            posture_score: Math.round((100 * checks.filter((c) => c.passed).length) / checks.length),
          });
        }
      }),
    };
  },
});

/** An emitter loses 30 % of its events in transit. Only sequenced (native) events can be seen missing. */
export const telemetryLoss = defineScenario({
  labels: ['emitter'],
  build: (_target, _span, { world, rng }) => {
    const emitter = rng.pick(world.enforcementPoints);
    return { keys: { emitter }, alter: (t, r) => !(t.emitter_id === emitter && r.chance(0.3)) };
  },
});

/** An enforcement point crashes: it reports nothing through the window, then restarts, its sequence from 1. */
export const pepCrash = defineScenario({
  labels: ['emitter'],
  build: (_target, _span, { world, rng }) => {
    const emitter = rng.pick(world.enforcementPoints);
    return { keys: { emitter }, down: (t) => t.emitter_id === emitter };
  },
});

/** One enforcement point's gateway slows down: the requests it serves take a median of 1.6 s (the SLO's threshold is 1 s). */
export const slowGateway = defineScenario({
  labels: ['enforcement_point'],
  build: (_target, _span, { world, rng }) => {
    const pep = rng.pick(world.enforcementPoints);
    return {
      keys: { enforcement_point: pep },
      alter: changeInPlace((t, r) => {
        if (t.kind === 'policy' && t.enforcement_point === pep && typeof t.request_latency_ms === 'number')
          t.request_latency_ms = Number(r.logNormal(1600, 0.4).toFixed(3));
      }),
    };
  },
});

/** Apps no one is allowed into in the baseline: the sensitive ones a broad grant opens. */
const SENSITIVE_APPS = ['prod-db-admin', 'hr-records', 'finance-ledger', 'secrets-vault'];

/**
 * A user granted broad access (an admin role given by mistake): allowed into sensitive apps that
 * none of their peers reach, one decision every 20 s, the apps in turn.
 */
export const broadAccess = defineScenario({
  labels: ['principal', 'app'],
  build: ({ victim }, span, ctx) => {
    let next = 0;
    return {
      keys: { principal: victim.id, app: SENSITIVE_APPS },
      ...periodic(span, 20_000, (r, at) => {
        const app = SENSITIVE_APPS[next++ % SENSITIVE_APPS.length]!;
        const pep = r.pick(ctx.world.enforcementPoints);
        return {
          ...ctx.envelope(victim, 'policy', pep, at),
          app,
          decision: 'allow',
          policy_id: `ztna/${app}/allow`,
          policy_version: '2026.12.1',
          rule: 'allow-compliant-device',
          action: 'admin',
          eval_latency_ms: 5,
          reasons: [],
          enforcement_point: pep,
        };
      }),
    };
  },
});

/**
 * A new policy version for one app denies 70 % of its decisions (a group claim gone missing).
 * The tenant's first service account retries, and users keep trying the app: extra decisions, mostly denied.
 */
export const policyMisconfig = defineScenario({
  labels: ['policy_id', 'policy_version', 'app', 'principal', 'src_net'],
  build: ({ tenant, users }, span, ctx) => {
    const { world, rng } = ctx;
    const app = rng.pick(world.apps);
    const version = `${app.policyVersion}-rollout-${rng.hex(4)}`;
    const service = tenant.principals.find((p) => p.type === 'service')!;
    const misconfigured = (t: Truth, r: Rng) =>
      Object.assign(
        t,
        r.chance(0.7) ? { decision: 'deny', reasons: ['rule default-deny matched: group claim missing'], rule: 'default-deny' } : {},
        { policy_version: version },
      );
    return {
      keys: { policy_id: app.policyId, policy_version: version, app: app.name, principal: service.id, src_net: service.net },
      alter: changeInPlace((t, r) => {
        if (t.kind === 'policy' && t.tenant === tenant.name && t.policy_id === app.policyId) misconfigured(t, r);
      }),
      ...periodic(span, 1500, (r, at) => {
        const who = r.chance(0.3) ? service : r.pick(users);
        const pep = r.pick(world.enforcementPoints);
        return misconfigured(
          {
            ...ctx.envelope(who, 'policy', pep, at),
            app: app.name,
            decision: 'allow',
            policy_id: app.policyId,
            policy_version: version,
            rule: 'allow-compliant-device',
            action: 'read',
            eval_latency_ms: 6,
            reasons: [],
            enforcement_point: pep,
          },
          r,
        );
      }),
    };
  },
});

/**
 * A policy gap: the victim's laptop reports disk encryption off, and an exception rule allows it
 * anyway, every 30 s to the end (a zero-trust policy that does not enforce the posture it gets).
 */
export const noncompliantAllowed = defineScenario({
  labels: ['device', 'principal'],
  build: ({ tenant, victim }, span, ctx) => {
    const device = victim.devices[0]!;
    let reported = false;
    return {
      keys: { device: device.id, principal: victim.id },
      ...periodic(span, 30_000, (_r, at) => {
        if (!reported) {
          reported = true;
          const checks = ['disk_encryption', 'os_patch_level', 'firewall', 'edr_running', 'screen_lock'].map((name) => ({
            name,
            passed: name !== 'disk_encryption',
          }));
          return {
            ...ctx.envelope(victim, 'posture', `posture-${tenant.name}`, at, 0),
            compliant: false,
            checks,
            agent_version: device.agentVersion,
            os: device.os,
            posture_score: 80,
          };
        }
        return {
          ...ctx.envelope(victim, 'policy', 'pep-gw-2', at, 0),
          app: 'payroll',
          decision: 'allow',
          policy_id: 'ztna/payroll/allow',
          policy_version: 'legacy-exception',
          rule: 'allow-legacy-exception',
          action: 'read',
          eval_latency_ms: 4,
          reasons: [],
          enforcement_point: 'pep-gw-2',
        };
      }),
    };
  },
});
