// Incidents and attacks the simulator injects, from the failure modes of the ZTNA
// measurement guide, each with its ground truth (who and what is involved, when): the
// registry by name, the `name[/shape][@offset+duration]` syntax, and activation for one window.
import { drawPrincipal } from './world.js';
import { VENDOR_SHAPES, type Truth, type VendorShapeName } from './shapes.js';
import { iso, type LabelKeys, type Scenario, type ScenarioContext, type ScenarioEffects, type Span, type Target } from './scenario.js';
import {
  idpOutage,
  noncompliantAllowed,
  policyEngineLatency,
  policyMisconfig,
  postureAgentBug,
  telemetryLoss,
  pepCrash,
  slowGateway,
  broadAccess,
} from './scenarios/incidents.js';
import { bruteForce, credentialStuffing, mfaPushBombing, passwordSpray, tokenReplay } from './scenarios/attacks.js';
import { impossibleTravel, leakedServiceSecret, mfaFatigue, newDevice, sessionHijack } from './scenarios/takeover.js';

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
  'leaked-service-secret': leakedServiceSecret,
  'pep-crash': pepCrash,
  'slow-gateway': slowGateway,
  'broad-access': broadAccess,
} satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof REGISTRY;
export const SCENARIOS = Object.keys(REGISTRY) as readonly ScenarioName[];

const isScenarioName = (name: string): name is ScenarioName => Object.hasOwn(REGISTRY, name);

/** Scenarios a denial-burst scorer should catch, and the replay one for the token scorer. */
export const BURST_SCENARIOS: readonly ScenarioName[] = ['brute-force', 'password-spray', 'mfa-push-bombing', 'policy-misconfig'];

/** The vendor shapes that can tell a scenario's own logins (`name/shape`), none for most. */
export const shapesOf = (name: ScenarioName): readonly VendorShapeName[] => (REGISTRY[name] as Scenario).shapes ?? [];

export interface ScenarioWindow extends Span {
  name: ScenarioName;
  /** The vendor shape its own logins are rendered in; without one, ours (a share as OCSF). */
  shape?: VendorShapeName;
}

/** Ground truth for one injected scenario: written to --labels. */
export interface ScenarioLabel {
  scenario: ScenarioName;
  /** The vendor shape of its own logins, when one was chosen. */
  shape?: VendorShapeName;
  start: string;
  end: string;
  /** The tenant its records end up in: the pipeline's default when its shape carries none. */
  tenant: string;
  keys: LabelKeys;
}

/** A scenario in its window: what it does, and its ground truth. */
export interface ActiveScenario extends ScenarioEffects {
  window: ScenarioWindow;
  label: ScenarioLabel;
}

/** Parses `name[/shape][@offset+duration][,…]` (e.g. `idp-outage@30s+10m`, `mfa-fatigue/duo@10m+5m`) relative to a start time. */
export function parseScenarios(text: string, start: number): ScenarioWindow[] {
  return text
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((item) => parseScenario(item.trim(), start));
}

/** `name` alone takes a default slot: the i-th scenario starts at 20 min + i·25 min and lasts 12 min. */
export function parseScenario(item: string, start: number, index = 0): ScenarioWindow {
  const m = /^([a-z-]+)(?:\/(\w+))?(?:@(\w+)\+(\w+))?$/.exec(item);
  if (!m) throw new Error(`bad scenario ${item}: use name[/shape][@offset+duration], e.g. idp-outage@30s+10m or mfa-fatigue/duo@10m+5m`);
  const name = m[1]!;
  if (!isScenarioName(name)) throw new Error(`unknown scenario ${name}: one of ${SCENARIOS.join(', ')}`);
  const from = start + (m[3] ? duration(m[3]) : (20 + index * 25) * 60_000);
  const window: ScenarioWindow = { name, start: from, end: from + (m[4] ? duration(m[4]) : 12 * 60_000) };
  return m[2] === undefined ? window : { ...window, shape: declaredShape(name, m[2]) };
}

/** A shape the scenario declares it can be told in. */
function declaredShape(name: ScenarioName, shape: string): VendorShapeName {
  const shapes = shapesOf(name);
  if (!shapes.includes(shape as VendorShapeName))
    throw new Error(`unknown shape ${shape} for ${name}: ${shapes.length ? `one of ${shapes.join(', ')}` : 'it takes none'}`);
  return shape as VendorShapeName;
}

function duration(d: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(d);
  if (!m) throw new Error(`bad duration ${d}: use 30s, 10m or 2h`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'] * 1000;
}

/**
 * A scenario by name, activated for its window: it draws its target, then its own choices, from
 * ctx.rng. Its label's tenant is the one its records end up in, `defaultTenant` for a shape that
 * carries none.
 */
export function activate(window: ScenarioWindow, ctx: ScenarioContext, defaultTenant: string): ActiveScenario {
  const target = drawTarget(ctx);
  const scenario: Scenario = REGISTRY[window.name];
  const { keys, ...effects } = scenario.build(target, window, ctx);
  const tenant = window.shape ? tenantTold(window.shape, target.tenant.name, defaultTenant) : target.tenant.name;
  return { window, label: labelOf(window, tenant, scenario.labels, keys), ...effects };
}

/** The tenant a shape's logins of a tenant's people end up in: as its conform tells it, the tenant or the pipeline's default. */
function tenantTold(shape: VendorShapeName, tenant: string, defaultTenant: string): string {
  const login: Truth = { kind: 'auth', time: iso(0), tenant, principal_type: 'user', outcome: 'success' };
  VENDOR_SHAPES[shape].conform(login, defaultTenant);
  return login.tenant;
}

/** The tenant, then one of its people (each as likely), whatever the scenario: the draws that follow depend on it. */
function drawTarget({ world, rng }: ScenarioContext): Target {
  const tenant = rng.pick(world.tenants);
  const users = tenant.principals.filter((p) => p.type === 'user');
  const victim = drawPrincipal(rng, { ...tenant, principals: users, cumulativeWeights: users.map((_, i) => i + 1) });
  return { tenant, users, victim };
}

function labelOf(window: ScenarioWindow, tenant: string, labels: readonly string[], keys: LabelKeys): ScenarioLabel {
  return {
    scenario: window.name,
    ...(window.shape ? { shape: window.shape } : {}),
    start: iso(window.start),
    end: iso(window.end),
    tenant,
    keys: Object.fromEntries(labels.map((k) => [k, keys[k]!])),
  };
}
