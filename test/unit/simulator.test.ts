// The simulator is deterministic, and every shape it renders normalizes back to what it meant.
import { describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../src/events/index.js';
import { sourceOf } from '../../src/simulate/shapes.js';
import { TrafficSimulator, type SimulatedRecord } from '../../src/simulate/traffic.js';
import { serviceCredentialId } from '../../src/simulate/world.js';
import { parseScenario, SCENARIOS, type ScenarioWindow } from '../../src/simulate/scenarios.js';
import { normalizeOptions } from '../support/helpers.js';

const START = Date.parse('2026-11-20T06:00:00Z');
const take = (sim: TrafficSimulator, n: number): SimulatedRecord[] => Array.from({ length: n }, () => sim.next());

describe('traffic simulator', () => {
  it('gives the same records for the same seed and start, other records for another seed', () => {
    const a = take(new TrafficSimulator({ seed: 3, start: START }), 500).map((r) => r.line);
    const b = take(new TrafficSimulator({ seed: 3, start: START }), 500).map((r) => r.line);
    const c = take(new TrafficSimulator({ seed: 4, start: START }), 500).map((r) => r.line);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('renders every kind in every vendor shape', () => {
    const records = take(new TrafficSimulator({ seed: 5, start: START }), 5000);
    const seen = new Set(records.flatMap((r) => (r.truth ? [`${r.truth.kind}/${r.shape}`] : [])));
    expect([...seen].sort()).toEqual([
      ...['auth/auth0', 'auth/duo', 'auth/entra', 'auth/entra_noninteractive', 'auth/google_workspace_login', 'auth/keycloak'],
      ...['auth/native', 'auth/ocsf', 'auth/okta', 'auth/teleport'],
      ...['policy/cloudflare_access', 'policy/cloudflare_gateway', 'policy/native', 'policy/ocsf', 'policy/okta', 'policy/opa'],
      ...['policy/opa_envoy', 'policy/teleport', 'policy/zpa_browser_access', 'policy/zpa_user_activity'],
      ...['posture/cloudflare_device_posture', 'posture/google_workspace_device', 'posture/intune', 'posture/native', 'posture/ocsf'],
      'posture/zpa_user_status',
      ...['token/keycloak', 'token/native'],
    ]);
  });

  it('round-trips: each rendered event normalizes to its ground truth', () => {
    const records = take(new TrafficSimulator({ seed: 6, start: START }), 5000);
    expect(records).toHaveLength(5000);
    // Every kind in every shape is among them, so no per-kind check below can be skipped.
    expect(new Set(records.map((r) => `${r.truth!.kind}/${r.shape}`)).size).toBe(28);
    for (const record of records) {
      const outcome = normalizeRecord(record.line, normalizeOptions());
      expect(outcome.status, `${record.shape}: ${record.line}`).toBe('normalized');
      if (outcome.status !== 'normalized') continue;
      const { event } = outcome;
      const truth = record.truth!;
      expect(event.kind).toBe(truth.kind);
      expect(event.time).toBe(truth.time);
      expect(event.tenant).toBe(truth.tenant);
      expect(event.principal_id).toBe(truth.principal_id);
      // Read back by the source of its own shape (the IdPs' and OPA's by theirs, ours as native).
      expect(event.source).toBe(sourceOf(record.shape!));
      if (event.kind === 'auth') expect(event.outcome).toBe(truth.outcome);
      // A service's secret, by id, in the shapes that name it (ours and Entra's); in no other.
      expect(event.credential_id).toBe(truth.credential_id);
      if (event.kind === 'policy') {
        expect([event.decision, event.policy_id]).toEqual([truth.decision, truth.policy_id]);
        // Okta's sign-on evaluation carries no latency, nor do several gateways' (their truth has none); OPA's is in whole nanoseconds.
        if (record.shape === 'okta') expect(event.eval_latency_ms).toBeUndefined();
        else if (truth.eval_latency_ms === undefined) expect(event.eval_latency_ms).toBeUndefined();
        else expect(event.eval_latency_ms).toBeCloseTo(truth.eval_latency_ms as number, 6);
      }
      if (event.kind === 'posture') expect(event.compliant).toBe(truth.compliant);
      if (event.kind === 'token') expect(event.activity).toBe(truth.activity);
      if (record.shape !== 'keycloak') expect(event.src_ip).toBe(truth.src_ip);
    }
  });

  it("names a service's secret in its sign-ins, in ours and Entra's shapes, a new one every 30 days", () => {
    const sim = new TrafficSimulator({ seed: 6, start: START });
    const named = take(sim, 20_000).filter((r) => r.truth?.credential_id !== undefined);
    expect(new Set(named.map((r) => r.shape))).toEqual(new Set(['native', 'entra']));
    expect(named.every((r) => r.truth!.principal_type === 'service' && r.truth!.kind === 'auth')).toBe(true);
    const [one] = named;
    const id = String(one!.truth!.principal_id);
    const at = Date.parse(one!.truth!.time);
    expect(serviceCredentialId(id, at)).toBe(one!.truth!.credential_id);
    const month = Array.from({ length: 31 }, (_, day) => serviceCredentialId(id, at + day * 86400_000));
    expect(new Set(month).size).toBe(2);
  });

  it('injects malformed records and non-access events at the requested shares', () => {
    const records = take(new TrafficSimulator({ seed: 7, start: START, invalidShare: 0.05, notAccessShare: 0.05 }), 4000);
    const outcomes = records.map((r) => [r.type, normalizeRecord(r.line, normalizeOptions()).status]);
    const invalid = outcomes.filter(([t]) => t === 'invalid');
    expect(invalid.length).toBeGreaterThan(100);
    expect(invalid.every(([, s]) => s === 'rejected')).toBe(true);
    const notAccess = outcomes.filter(([t]) => t === 'not-access');
    expect(notAccess.length).toBeGreaterThan(100);
    expect(notAccess.every(([, s]) => s === 'skipped')).toBe(true);
  });

  it('follows a daily cycle: more events in working hours than at night', () => {
    const sim = new TrafficSimulator({ seed: 8, start: Date.parse('2026-11-20T00:00:00Z'), peakRate: 2 });
    const perHour = new Array<number>(24).fill(0);
    while (sim.time < Date.parse('2026-11-21T00:00:00Z')) {
      sim.next();
      perHour[new Date(sim.time).getUTCHours()]! += 1;
    }
    expect(perHour[13]!).toBeGreaterThan(3 * perHour[2]!);
  });
});

describe('incident scenarios', () => {
  const MIN = 60_000;
  // Every scenario once, the i-th from minute i + 1 for 5 minutes.
  const windows: ScenarioWindow[] = SCENARIOS.map((name, i) => ({ name, start: START + (1 + i) * MIN, end: START + (6 + i) * MIN }));

  it('are registered by name, in the order the help and the benchmark list them', () => {
    expect(SCENARIOS).toEqual([
      'idp-outage',
      'policy-engine-latency',
      'posture-agent-bug',
      'telemetry-loss',
      'policy-misconfig',
      'token-replay',
      'brute-force',
      'password-spray',
      'mfa-push-bombing',
      'credential-stuffing',
      'mfa-fatigue',
      'session-hijack',
      'impossible-travel',
      'noncompliant-allowed',
      'new-device',
      'leaked-service-secret',
      'pep-crash',
      'slow-gateway',
      'broad-access',
    ]);
    expect(() => parseScenario('ddos', START)).toThrow(`unknown scenario ddos: one of ${SCENARIOS.join(', ')}`);
  });

  it('write the ground truth each one declares, with the same targets for the same seed', () => {
    // Pinned values: the target draws come first and in this order, so a change of any scenario's draws shows here.
    const at = (minute: number) => ({
      start: new Date(START + minute * MIN).toISOString(),
      end: new Date(START + (minute + 5) * MIN).toISOString(),
    });
    expect(new TrafficSimulator({ seed: 11, start: START, scenarios: windows }).labels).toEqual([
      { scenario: 'idp-outage', ...at(1), tenant: 'acme', keys: { idp: 'okta' } },
      { scenario: 'policy-engine-latency', ...at(2), tenant: 'acme', keys: { enforcement_point: 'pep-gw-2' } },
      { scenario: 'posture-agent-bug', ...at(3), tenant: 'initech', keys: { agent_version: '3.3.0' } },
      { scenario: 'telemetry-loss', ...at(4), tenant: 'globex', keys: { emitter: 'pep-gw-2' } },
      {
        scenario: 'policy-misconfig',
        ...at(5),
        tenant: 'initech',
        keys: {
          policy_id: 'ztna/hr-portal/allow',
          policy_version: '2026.3.14-rollout-6e13',
          app: 'hr-portal',
          principal: 'svc-backup@initech.example',
          src_net: '92.144.74',
        },
      },
      {
        scenario: 'token-replay',
        ...at(6),
        tenant: 'initech',
        keys: { token_id: ['jti-replay-278572b1e0ac', 'jti-replay-8af24fe7eb2e'], principal: 'user174@initech.example' },
      },
      {
        scenario: 'brute-force',
        ...at(7),
        tenant: 'initech',
        keys: { principal: 'user110@initech.example', src_net: '193.80.52', app: 'vpn' },
      },
      { scenario: 'password-spray', ...at(8), tenant: 'globex', keys: { src_net: '89.62.21', app: 'vpn' } },
      {
        scenario: 'mfa-push-bombing',
        ...at(9),
        tenant: 'initech',
        keys: { principal: 'user49@initech.example', src_net: '89.134.214', app: 'vpn' },
      },
      { scenario: 'credential-stuffing', ...at(10), tenant: 'initech', keys: { src_net: '193.25.126', app: 'vpn' } },
      { scenario: 'mfa-fatigue', ...at(11), tenant: 'globex', keys: { principal: 'user168@globex.example', src_net: '185.165.68' } },
      {
        scenario: 'session-hijack',
        ...at(12),
        tenant: 'globex',
        keys: { session_id: 's-e0b28842445e3fff', principal: 'user44@globex.example', src_net: '45.13.100' },
      },
      { scenario: 'impossible-travel', ...at(13), tenant: 'initech', keys: { principal: 'user273@initech.example', src_net: '89.201.98' } },
      {
        scenario: 'noncompliant-allowed',
        ...at(14),
        tenant: 'globex',
        keys: { device: 'dev-35dbd11e59', principal: 'user29@globex.example' },
      },
      { scenario: 'new-device', ...at(15), tenant: 'initech', keys: { principal: 'user32@initech.example', device: 'dev-acbcf7581c' } },
      {
        scenario: 'leaked-service-secret',
        ...at(16),
        tenant: 'globex',
        keys: { principal: 'svc-monitoring@globex.example', src_net: '45.50.186' },
      },
      { scenario: 'pep-crash', ...at(17), tenant: 'globex', keys: { emitter: 'pep-gw-1' } },
      { scenario: 'slow-gateway', ...at(18), tenant: 'initech', keys: { enforcement_point: 'pep-sidecar-1' } },
      {
        scenario: 'broad-access',
        ...at(19),
        tenant: 'globex',
        keys: { principal: 'user16@globex.example', app: ['prod-db-admin', 'hr-records', 'finance-ledger', 'secrets-vault'] },
      },
    ]);
  });

  it('inject their own events on their schedule: one per period through the window, or a fixed script', () => {
    const sim = new TrafficSimulator({ seed: 11, start: START, scenarios: windows });
    const injected: Record<string, number> = {};
    while (sim.time < START + 30 * MIN) {
      const r = sim.next();
      if (r.scenario) injected[r.scenario] = (injected[r.scenario] ?? 0) + 1;
    }
    // 5 minutes at 1.5 s, 2 s, 1 s, 3 s, 2 s and 30 s (a posture report, then decisions); the scripts: the replay's 8
    // events, fatigue's 12 pushes and a success, a sign-in and 9 uses of the session (from minute 2, every 20 s),
    // two sign-ins, a sign-in and 9 uses of the new device, a leaked service secret used every 30 s, a broad grant's
    // decisions every 20 s; but what goes through the enforcement point that crashes from minute 17 to 22 is never
    // made (6 of the new device's, 2 of the broad grant's). The SLI incidents change baseline events only.
    expect(injected).toEqual({
      'policy-misconfig': 200,
      'token-replay': 8,
      'brute-force': 150,
      'password-spray': 300,
      'mfa-push-bombing': 100,
      'credential-stuffing': 150,
      'mfa-fatigue': 13,
      'session-hijack': 10,
      'impossible-travel': 2,
      'noncompliant-allowed': 10,
      'new-device': 4,
      'leaked-service-secret': 10,
      'broad-access': 13,
    });
  });

  it('spray a list of ten different users, each tried every 10 s, whatever the seed', () => {
    for (const seed of [1, 8, 15, 42]) {
      // 8 and 15 drew a user twice before
      const sim = new TrafficSimulator({ seed, start: START, scenarios: [{ name: 'password-spray', start: START, end: START + 5 * MIN }] });
      const tries = new Map<string, number>();
      while (sim.time < START + 6 * MIN) {
        const { truth, scenario } = sim.next();
        if (scenario) tries.set(truth!.principal_id as string, (tries.get(truth!.principal_id as string) ?? 0) + 1);
      }
      expect(tries.size, `seed ${seed}`).toBe(10);
      expect(new Set(tries.values()), `seed ${seed}`).toEqual(new Set([30]));
    }
  });

  it('pass their decisions through the policy engine: the compliant-device rule allows no device whose latest report failed', () => {
    const sim = new TrafficSimulator({
      seed: 3,
      start: START,
      peakRate: 40,
      scenarios: [{ name: 'policy-misconfig', start: START, end: START + 240 * MIN }],
    });
    const failing = new Map<string, boolean>();
    const onFailing: Array<Record<string, unknown>> = [];
    while (sim.time < START + 240 * MIN) {
      const { truth, scenario } = sim.next();
      if (truth?.kind === 'posture') failing.set(truth.device_id as string, truth.compliant === false);
      if (scenario && truth?.kind === 'policy' && failing.get(truth.device_id as string)) onFailing.push(truth);
    }
    // The rollout's own decisions that reached a device whose report failed: denied for it, not allowed.
    expect(onFailing.length).toBeGreaterThan(0);
    expect(onFailing.filter((t) => t.decision === 'allow').map((t) => `${String(t.device_id)} ${String(t.time)}`)).toEqual([]);
    expect(onFailing.some((t) => (t.reasons as string[]).includes('device not compliant'))).toBe(true);
  });
});
