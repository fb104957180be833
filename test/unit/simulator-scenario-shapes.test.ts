// A scenario's own logins told by another identity provider (`name/shape`): the syntax and its
// refusals, then for every shape a scenario declares, its records read back by that vendor's
// source to their truth in the tenant of the label, and the attack still caught by its scorer.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/commands/usage.js';
import { parseSimulateArgs } from '../../src/commands/simulate.js';
import { loadConfig } from '../../src/config.js';
import { evaluate, SCORED_BY } from '../../src/detect/evaluate.js';
import { score } from '../../src/detect/processor.js';
import { createScorers } from '../../src/detect/scorers.js';
import { normalizeRecord, type CanonicalEvent, type NormalizeOutcome } from '../../src/events/index.js';
import { parseScenario, parseScenarios, SCENARIOS, shapesOf, type ScenarioName } from '../../src/simulate/scenarios.js';
import { sourceOf, type VendorShapeName } from '../../src/simulate/shapes.js';
import { TrafficSimulator, type SimulatedRecord } from '../../src/simulate/traffic.js';
import { normalizeOptions } from '../support/helpers.js';

const START = Date.parse('2026-11-20T09:00:00Z');
const MIN = 60_000;
const DEFAULT_TENANT = 'sim-default';

describe('a scenario told by a vendor: name[/shape][@offset+duration]', () => {
  it('takes a shape the scenario declares, with or without a window; without one, no shape at all', () => {
    expect(parseScenario('mfa-fatigue/duo@10m+5m', START)).toStrictEqual({
      name: 'mfa-fatigue',
      shape: 'duo',
      start: START + 10 * MIN,
      end: START + 15 * MIN,
    });
    // Without a window, the default slot of its position, as a scenario without a shape.
    expect(parseScenario('brute-force/auth0', START, 1)).toStrictEqual({
      name: 'brute-force',
      shape: 'auth0',
      start: START + 45 * MIN,
      end: START + 57 * MIN,
    });
    expect(parseScenario('brute-force', START, 1)).toStrictEqual({ name: 'brute-force', start: START + 45 * MIN, end: START + 57 * MIN });
    expect(parseScenario('idp-outage@30s+10m', START)).toStrictEqual({ name: 'idp-outage', start: START + 30_000, end: START + 630_000 });
    expect(parseScenarios('password-spray/google_workspace_login@1m+2m, impossible-travel/duo@5m+5m', START).map((w) => w.shape)).toEqual([
      'google_workspace_login',
      'duo',
    ]);
  });

  it('declares, for the attacks whose logins another vendor can tell with what catches them, those vendors', () => {
    const declared = Object.fromEntries(SCENARIOS.filter((name) => shapesOf(name).length > 0).map((name) => [name, shapesOf(name)]));
    expect(declared).toEqual({
      'brute-force': ['auth0', 'google_workspace_login'],
      'password-spray': ['auth0', 'google_workspace_login'],
      'mfa-push-bombing': ['duo', 'auth0'],
      'credential-stuffing': ['auth0', 'google_workspace_login'],
      'mfa-fatigue': ['duo', 'auth0'],
      'impossible-travel': ['duo'],
    });
  });

  it('refuses a shape the scenario does not declare, or an unknown one, naming its choices', () => {
    const refusal = (item: string) => () => parseScenario(item, START);
    // Duo is a second factor: it never sees the wrong password.
    expect(refusal('brute-force/duo')).toThrow('unknown shape duo for brute-force: one of auth0, google_workspace_login');
    // A Google login cannot say it was a push.
    expect(refusal('mfa-fatigue/google_workspace_login@1m+5m')).toThrow(
      'unknown shape google_workspace_login for mfa-fatigue: one of duo, auth0',
    );
    expect(refusal('impossible-travel/okta')).toThrow('unknown shape okta for impossible-travel: one of duo');
    expect(refusal('token-replay/auth0')).toThrow('unknown shape auth0 for token-replay: it takes none');
    expect(refusal('brute-force/')).toThrow('bad scenario brute-force/: use name[/shape][@offset+duration]');
    expect(refusal('ddos/duo')).toThrow('unknown scenario ddos: one of ');
  });

  it('refuses it at start-up (ZTNA_SIM_SCENARIOS) and on the command line (--scenario) alike', () => {
    expect(() => loadConfig({ ZTNA_SIM_SCENARIOS: 'idp-outage@1m+2m,password-spray/duo@5m+5m' })).toThrow(
      /ZTNA_SIM_SCENARIOS: unknown shape duo for password-spray: one of auth0, google_workspace_login/,
    );
    expect(loadConfig({ ZTNA_SIM_SCENARIOS: 'mfa-fatigue/duo@5m+5m' }).ZTNA_SIM_SCENARIOS).toBe('mfa-fatigue/duo@5m+5m');
    const cli = (scenario: string) => () => parseSimulateArgs(['--events', '1', '--scenario', scenario]);
    expect(cli('new-device/duo')).toThrow(UsageError);
    expect(cli('new-device/duo')).toThrow('--scenario: unknown shape duo for new-device: it takes none');
    expect(cli('mfa-push-bombing/auth0@1m+1m')().options.scenarios?.[0]?.shape).toBe('auth0');
  });

  it("labels a vendor's window with the pipeline's default tenant as `ztna simulate` reads it (ZTNA_DEFAULT_TENANT)", () => {
    const args = ['--events', '1', '--scenario', 'mfa-fatigue/duo@1m+5m'];
    const label = (env: NodeJS.ProcessEnv) => new TrafficSimulator(parseSimulateArgs(args, env).options).labels[0]!.tenant;
    expect(label({ ZTNA_DEFAULT_TENANT: 'corp' })).toBe('corp');
    expect(label({})).toBe('default');
  });
});

/** What the scorer of each scenario raises for it. */
const KIND: Partial<Record<ScenarioName, string>> = {
  'brute-force': 'brute-force',
  'password-spray': 'password-spray',
  'mfa-push-bombing': 'mfa-push-bombing',
  'credential-stuffing': 'credential-stuffing',
  'mfa-fatigue': 'mfa-fatigue-success',
  'impossible-travel': 'impossible-travel',
};
const PAIRS = SCENARIOS.flatMap((name) => shapesOf(name).map((shape) => [name, shape] as const));

/** The scenario, told in the shape, from minute 10 for 6 minutes in light baseline traffic: each record, normalized. */
function simulate(name: ScenarioName, shape: VendorShapeName) {
  const sim = new TrafficSimulator({
    seed: 31,
    start: START,
    peakRate: 10,
    defaultTenant: DEFAULT_TENANT,
    scenarios: [parseScenario(`${name}/${shape}@10m+6m`, START)],
  });
  const records: Array<{ record: SimulatedRecord; outcome: NormalizeOutcome }> = [];
  while (sim.time < START + 22 * MIN) {
    const record = sim.next();
    records.push({ record, outcome: normalizeRecord(record.line, normalizeOptions({ defaultTenant: DEFAULT_TENANT })) });
  }
  return { sim, records };
}

describe.each(PAIRS)('%s told by %s', (name, shape) => {
  const { sim, records } = simulate(name, shape);
  const label = sim.labels[0]!;
  const own = records.filter(({ record }) => record.scenario === name);

  it('labels the window with the shape and the tenant its records end up in, the targets those of the scenario alone', () => {
    // The shape carries no tenant: the pipeline gives its records the default one.
    const alone = new TrafficSimulator({ seed: 31, start: START, scenarios: [parseScenario(`${name}@10m+6m`, START)] }).labels[0]!;
    expect(label).toEqual({ ...alone, shape, tenant: DEFAULT_TENANT });
  });

  it("renders each of its own logins in the shape, read back by the vendor's source to exactly its truth, in the label's tenant", () => {
    expect(own.length).toBeGreaterThan(1);
    for (const { record, outcome } of own) {
      expect([record.truth!.kind, record.shape], record.line).toEqual(['auth', shape]);
      expect(outcome.status, record.line).toBe('normalized');
      if (outcome.status !== 'normalized') continue;
      const event = outcome.event as Record<string, unknown>;
      expect(event.source).toBe(sourceOf(shape));
      expect(Object.fromEntries(Object.keys(record.truth!).map((k) => [k, event[k]])), record.line).toEqual(record.truth);
      expect(event.tenant).toBe(label.tenant);
      expect(outcome.related, record.line).toEqual([]);
    }
  });

  it(`is still caught by its scorer, as ${KIND[name]}, within 5 minutes`, () => {
    const events: CanonicalEvent[] = records.flatMap(({ outcome }) => (outcome.status === 'normalized' ? [outcome.event] : []));
    const baseline = records.filter(({ record }) => !record.scenario).length;
    const [result] = evaluate(sim.labels, score(createScorers(), events), baseline).scenarios;
    expect([result!.scorer, result!.detected]).toEqual([SCORED_BY[name], true]);
    expect(result!.kinds).toContain(KIND[name]);
    expect(result!.timeToDetectSeconds!).toBeLessThanOrEqual(300);
  });
});
