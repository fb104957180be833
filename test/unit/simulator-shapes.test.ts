// The gateways' and posture agents' shapes in the simulator: each record, the scenarios' own and
// changed ones among them, is read back by the registry to its truth, in the tenant the pipeline
// gives it, and is its own event.
import { describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../src/events/index.js';
import { parseScenario } from '../../src/simulate/scenarios.js';
import { VENDOR_SHAPES } from '../../src/simulate/shapes.js';
import { TrafficSimulator, type SimulatedRecord } from '../../src/simulate/traffic.js';
import { normalizeOptions } from '../support/helpers.js';

const START = Date.parse('2026-11-20T09:00:00Z');
const DEFAULT_TENANT = 'sim-default';
// Shapes whose records carry their tenant; the others land in the pipeline's default tenant.
const CARRY_TENANT = new Set(['native', 'okta', 'entra', 'opa', 'keycloak', 'ocsf', 'intune']);

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
    for (const shape of Object.keys(VENDOR_SHAPES)) expect(shapes, shape).toContain(shape);
    expect(records.filter((r) => r.scenario && r.shape === 'ocsf').length).toBeGreaterThan(10);
    expect(records.filter((r) => r.scenario && r.shape === 'native').length).toBeGreaterThan(10);
  });

  it('reads each record back, by the source of its shape, to its truth: kind, time, tenant, principal, outcome, decision, compliance', () => {
    records.forEach((record, i) => {
      expect(events[i]!.source, record.line).toBe(record.shape);
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
