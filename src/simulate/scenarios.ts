// Incidents and attacks the simulator injects, from the failure modes of the ZTNA
// measurement guide, each with its ground truth (who and what is involved, when): the
// registry by name, the `name@offset+duration` syntax, and activation for one window.
import { drawPrincipal } from './world.js';
import { iso, type LabelKeys, type Scenario, type ScenarioContext, type ScenarioEffects, type Span, type Target } from './scenario.js';
import {
  idpOutage,
  noncompliantAllowed,
  policyEngineLatency,
  policyMisconfig,
  postureAgentBug,
  telemetryLoss,
} from './scenarios/incidents.js';
import { bruteForce, credentialStuffing, mfaPushBombing, passwordSpray, tokenReplay } from './scenarios/attacks.js';
import { impossibleTravel, mfaFatigue, newDevice, sessionHijack } from './scenarios/takeover.js';

/** Every scenario by name, in the order the help and the benchmark list them. */
const REGISTRY = {
  'idp-outage': idpOutage,
  'policy-engine-latency': policyEngineLatency,
  'posture-agent-bug': postureAgentBug,
  'telemetry-loss': telemetryLoss,
  'policy-misconfig': policyMisconfig,
  'token-replay': tokenReplay,
  'brute-force': bruteForce,
  'password-spray': passwordSpray,
  'mfa-push-bombing': mfaPushBombing,
  'credential-stuffing': credentialStuffing,
  'mfa-fatigue': mfaFatigue,
  'session-hijack': sessionHijack,
  'impossible-travel': impossibleTravel,
  'noncompliant-allowed': noncompliantAllowed,
  'new-device': newDevice,
} satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof REGISTRY;
export const SCENARIOS = Object.keys(REGISTRY) as readonly ScenarioName[];

const isScenarioName = (name: string): name is ScenarioName => Object.hasOwn(REGISTRY, name);

/** Scenarios a denial-burst scorer should catch, and the replay one for the token scorer. */
export const BURST_SCENARIOS: readonly ScenarioName[] = ['brute-force', 'password-spray', 'mfa-push-bombing', 'policy-misconfig'];

export interface ScenarioWindow extends Span {
  name: ScenarioName;
}

/** Ground truth for one injected scenario: written to --labels. */
export interface ScenarioLabel {
  scenario: ScenarioName;
  start: string;
  end: string;
  tenant: string;
  keys: LabelKeys;
}

/** A scenario in its window: what it does, and its ground truth. */
export interface ActiveScenario extends ScenarioEffects {
  window: ScenarioWindow;
  label: ScenarioLabel;
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
  const name = m[1]!;
  if (!isScenarioName(name)) throw new Error(`unknown scenario ${name}: one of ${SCENARIOS.join(', ')}`);
  const from = start + (m[2] ? duration(m[2]) : (20 + index * 25) * 60_000);
  return { name, start: from, end: from + (m[3] ? duration(m[3]) : 12 * 60_000) };
}

function duration(d: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(d);
  if (!m) throw new Error(`bad duration ${d}: use 30s, 10m or 2h`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'] * 1000;
}

/** A scenario by name, activated for its window: it draws its target, then its own choices, from ctx.rng. */
export function activate(window: ScenarioWindow, ctx: ScenarioContext): ActiveScenario {
  const target = drawTarget(ctx);
  const scenario: Scenario = REGISTRY[window.name];
  const { keys, ...effects } = scenario.build(target, window, ctx);
  return { window, label: labelOf(window, target, scenario.labels, keys), ...effects };
}

/** The tenant, then one of its people (each as likely), whatever the scenario: the draws that follow depend on it. */
function drawTarget({ world, rng }: ScenarioContext): Target {
  const tenant = rng.pick(world.tenants);
  const users = tenant.principals.filter((p) => p.type === 'user');
  const victim = drawPrincipal(rng, { ...tenant, principals: users, cumulativeWeights: users.map((_, i) => i + 1) });
  return { tenant, users, victim };
}

function labelOf(window: ScenarioWindow, target: Target, labels: readonly string[], keys: LabelKeys): ScenarioLabel {
  return {
    scenario: window.name,
    start: iso(window.start),
    end: iso(window.end),
    tenant: target.tenant.name,
    keys: Object.fromEntries(labels.map((k) => [k, keys[k]!])),
  };
}
