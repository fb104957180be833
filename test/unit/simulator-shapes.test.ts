// The gateways' and posture agents' shapes in the simulator: each record, the scenarios' own and
// changed ones among them, is read back by the registry to its truth, in the tenant the pipeline
// gives it, and is its own event.
import { describe, expect, it } from 'vitest';
import { normalizeRecord, tokenFingerprint, type NormalizeOutcome } from '../../src/events/index.js';
import { Rng } from '../../src/simulate/rng.js';
import { parseScenario } from '../../src/simulate/scenarios.js';
import { sourceOf, VENDOR_SHAPES, type Truth } from '../../src/simulate/shapes.js';
import type { VendorShape } from '../../src/simulate/vendorShape.js';
import { TrafficSimulator, type SimulatedRecord } from '../../src/simulate/traffic.js';
import { HMAC_KEY, normalizeOptions } from '../support/helpers.js';

const START = Date.parse('2026-11-20T09:00:00Z');
const DEFAULT_TENANT = 'sim-default';
// Shapes whose records carry their tenant; the others land in the pipeline's default tenant.
const CARRY_TENANT = new Set(['native', 'okta', 'entra', 'opa', 'keycloak', 'ocsf', 'intune', 'entra_noninteractive', 'opa_envoy']);

const scenarios = [
  'idp-outage@2m+10m',
  'posture-agent-bug@2m+10m',
  'policy-misconfig@5m+10m',
  'brute-force@8m+5m',
  'password-spray@12m+5m',
].map((item, i) => parseScenario(item, START, i));
const sim = new TrafficSimulator({ seed: 21, start: START, peakRate: 40, scenarios, defaultTenant: DEFAULT_TENANT });
const records: SimulatedRecord[] = [];
while (sim.time < START + 20 * 60_000) records.push(sim.next());
const events = records.map((record) => {
  const outcome = normalizeRecord(record.line, normalizeOptions({ defaultTenant: DEFAULT_TENANT }));
  if (outcome.status !== 'normalized') throw new Error(`${record.shape} not normalized: ${JSON.stringify(outcome)} ${record.line}`);
  return outcome.event;
});

/** What a record's truth and its event must agree on. */
const told = (e: Record<string, unknown>) => ({
  kind: e.kind,
  time: e.time,
  tenant: e.tenant,
  principal_id: e.principal_id,
  outcome: e.outcome,
  decision: e.decision,
  compliant: e.compliant,
});

describe('simulated gateway and posture shapes', () => {
  it('renders every vendor shape, and the scenarios inject some of their own events as OCSF', () => {
    const shapes = new Set(records.map((r) => r.shape));
    for (const [shape, vendor] of Object.entries(VENDOR_SHAPES)) {
      // A record without a time is rendered only on the wall clock (below), where its observation is its time.
      if ((vendor as VendorShape).untimed) expect(shapes, shape).not.toContain(shape);
      else expect(shapes, shape).toContain(shape);
    }
    expect(records.filter((r) => r.scenario && r.shape === 'ocsf').length).toBeGreaterThan(10);
    expect(records.filter((r) => r.scenario && r.shape === 'native').length).toBeGreaterThan(10);
  });

  it('reads each record back, by the source of its shape, to its truth: kind, time, tenant, principal, outcome, decision, compliance', () => {
    records.forEach((record, i) => {
      expect(events[i]!.source, record.line).toBe(sourceOf(record.shape!));
      expect(told(events[i]! as Record<string, unknown>), record.line).toEqual(told(record.truth!));
    });
  });

  it("keeps the world's tenants for the shapes that carry one; the others' truth is the pipeline's default tenant", () => {
    const tenants = (carry: boolean) => new Set(records.filter((r) => CARRY_TENANT.has(r.shape!) === carry).map((r) => r.truth!.tenant));
    expect([...tenants(false)]).toEqual([DEFAULT_TENANT]);
    expect([...tenants(true)].sort()).toEqual(['acme', 'globex', 'initech']);
  });

  it('makes each record its own event (no two share an event id, ZPA status reports cut to the second included)', () => {
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
  });
});

// The other identity providers' shapes and the two gateways' forms besides: with no scenario
// changing a record after its truth was conformed, every field the truth holds is what the record
// says, and Envoy's bearer goes no further than its HMAC.
const IDENTITY_SHAPES = ['auth0', 'google_workspace_login', 'duo', 'entra_noninteractive', 'zpa_browser_access', 'opa_envoy'];
const quiet = new TrafficSimulator({ seed: 22, start: START, peakRate: 40, defaultTenant: DEFAULT_TENANT });
const identity: Array<{ record: SimulatedRecord; outcome: NormalizeOutcome }> = [];
while (quiet.time < START + 10 * 60_000) {
  const record = quiet.next();
  if (IDENTITY_SHAPES.includes(record.shape!))
    identity.push({ record, outcome: normalizeRecord(record.line, normalizeOptions({ defaultTenant: DEFAULT_TENANT })) });
}
const primary = ({ outcome }: { outcome: NormalizeOutcome }) => (outcome.status === 'normalized' ? outcome.event : undefined);

describe('simulated identity shapes', () => {
  it('renders each a few times, Entra as non-interactive and managed-identity sign-ins', () => {
    for (const shape of IDENTITY_SHAPES) expect(identity.filter((r) => r.record.shape === shape).length, shape).toBeGreaterThan(5);
    const categories = new Set(
      identity.filter((r) => r.record.shape === 'entra_noninteractive').map((r) => JSON.parse(r.record.line).category),
    );
    expect([...categories].sort()).toEqual(['ManagedIdentitySignInLogs', 'NonInteractiveUserSignInLogs']);
  });

  it('reads every field of the truth back from the primary event, and no related event', () => {
    for (const entry of identity) {
      const event = primary(entry) as Record<string, unknown> | undefined;
      expect(event, entry.record.line).toBeDefined();
      const { raw_token: _token, ...truth } = entry.record.truth!;
      expect(Object.fromEntries(Object.keys(truth).map((k) => [k, event![k]])), entry.record.line).toEqual(truth);
      expect(entry.outcome.status === 'normalized' && entry.outcome.related, entry.record.line).toEqual([]);
    }
  });

  it("keeps Envoy's bearer token only as its HMAC: the session followed, the token nowhere in the event", () => {
    const envoy = identity.filter((r) => r.record.shape === 'opa_envoy');
    for (const entry of envoy) {
      const bearer = String(entry.record.truth!.raw_token);
      expect(bearer).toMatch(/^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/);
      expect(entry.record.line).toContain(`Bearer ${bearer}`);
      const event = primary(entry)!;
      expect(event.session_id).toBe(tokenFingerprint(Buffer.from(HMAC_KEY), bearer));
      expect(JSON.stringify(event)).not.toContain(bearer);
      for (const part of bearer.split('.')) expect(JSON.stringify(event)).not.toContain(part);
    }
    // One bearer per session: its requests are followed as one credential.
    expect(new Set(envoy.map((r) => primary(r)!.session_id)).size).toBeLessThan(envoy.length);
  });

  it('renders a turned-down Duo push as denied, or as fraud when the user marked it so: failed MFA pushes', () => {
    const push = (correlation: string) => {
      const truth: Truth = {
        kind: 'auth',
        time: '2026-11-20T09:00:00.250Z',
        tenant: 'acme',
        emitter_id: 'idp-acme',
        correlation_id: correlation,
        principal_id: 'user7@acme.example',
        principal_type: 'user',
        src_ip: '45.1.2.3',
        user_agent: 'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
        app: 'vpn',
        outcome: 'failure',
        auth_method: 'push',
        mfa: true,
        failure_reason: 'mfa push rejected',
      };
      VENDOR_SHAPES.duo.conform(truth, DEFAULT_TENANT);
      const record = JSON.parse(JSON.stringify(VENDOR_SHAPES.duo.render(truth, new Rng(1))));
      const outcome = normalizeRecord(JSON.stringify(record), normalizeOptions({ defaultTenant: DEFAULT_TENANT }));
      return { truth, record, event: outcome.status === 'normalized' ? outcome.event : undefined };
    };
    const denied = push('c-00000000000000a7');
    const fraud = push('c-00000000000000a2');
    expect([denied.record.result, denied.record.reason, denied.record.factor]).toEqual(['denied', 'user_mistake', 'duo_push']);
    expect([fraud.record.result, fraud.record.reason]).toEqual(['fraud', 'user_marked_fraud']);
    for (const { truth, event } of [denied, fraud]) {
      expect(event).toMatchObject({
        kind: 'auth',
        outcome: 'failure',
        auth_method: 'push',
        mfa: true,
        tenant: DEFAULT_TENANT,
        user_agent: 'Firefox 132.0',
      });
      expect((event as Record<string, unknown>).failure_reason).toBe(truth.failure_reason);
    }
    expect((fraud.event as Record<string, unknown>).failure_reason).toBe('fraud: user_marked_fraud');
  });
});

describe("Keycloak's JSON event log in the simulator", () => {
  // On the wall clock a record is sent as it is made: the pipeline's observation is its time.
  const live = new TrafficSimulator({ seed: 23, start: Date.now(), clock: 'wall', defaultTenant: DEFAULT_TENANT });
  const logged = Array.from({ length: 12_000 }, () => live.next()).filter((r) => r.shape === 'keycloak_event_log');

  it('renders logins without id or time, each read back to its truth when observed at its time', () => {
    expect(logged.length).toBeGreaterThan(5);
    for (const record of logged) {
      const line = JSON.parse(record.line) as Record<string, unknown>;
      expect([line.id, line.time, line.details], record.line).toEqual([undefined, undefined, undefined]);
      const outcome = normalizeRecord(record.line, normalizeOptions({ defaultTenant: DEFAULT_TENANT, observedTime: record.truth!.time }));
      expect(outcome.status, record.line).toBe('normalized');
      const event = (outcome.status === 'normalized' ? outcome.event : {}) as Record<string, unknown>;
      expect(event.source).toBe('keycloak');
      expect(Object.fromEntries(Object.keys(record.truth!).map((k) => [k, event[k]])), record.line).toEqual(record.truth);
    }
  });

  it("renders a failed login as Keycloak's LOGIN_ERROR, the user's or the identity provider's", () => {
    for (const [outcome, error] of [
      ['failure', 'invalid_user_credentials'],
      ['error', 'identity_provider_error'],
    ] as const) {
      const truth: Truth = {
        kind: 'auth',
        time: '2026-11-20T09:00:00.250Z',
        tenant: 'initech',
        session_id: 's-0123456789abcdef',
        principal_id: 'user7@initech.example',
        principal_type: 'user',
        src_ip: '45.1.2.3',
        app: 'vpn',
        outcome,
        idp: 'keycloak',
      };
      VENDOR_SHAPES.keycloak_event_log.conform(truth, DEFAULT_TENANT);
      const line = JSON.stringify(VENDOR_SHAPES.keycloak_event_log.render(truth, new Rng(1)));
      expect(JSON.parse(line)).toMatchObject({ type: 'LOGIN_ERROR', error, sessionId: null });
      const normalized = normalizeRecord(line, normalizeOptions({ defaultTenant: DEFAULT_TENANT, observedTime: truth.time }));
      expect(normalized).toMatchObject({ status: 'normalized', event: { outcome, failure_reason: error, tenant: 'initech' } });
    }
  });
});
