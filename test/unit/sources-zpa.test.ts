// Zscaler Private Access user activity (LSS): the project's fixtures (one record per mapping) and the
// real LSS record in ../shared/samples/sources, field by field.
import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeRecord, type NormalizeOutcome } from '../../src/events/index.js';
import { fixtureLines, normalizeOptions, sampleFiles, skipWithoutSamples } from '../support/helpers.js';

const normalizeAll = (lines: string[], observedTime?: string): NormalizeOutcome[] =>
  lines.map((line) => normalizeRecord(line, normalizeOptions(observedTime ? { observedTime } : {})));
const eventsIn = (outcomes: NormalizeOutcome[]) => outcomes.flatMap((o) => (o.status === 'normalized' ? [o.event] : []));

describe('ZPA user activity fixture', () => {
  const outcomes = normalizeAll(fixtureLines('zpa_user_activity'));
  const [opened, closed, rejected, noConnector] = eventsIn(outcomes);

  it('normalizes every connection record with no reject and no skip', () => {
    expect(outcomes).toHaveLength(4);
    expect(outcomes.filter((o) => o.status !== 'normalized')).toEqual([]);
  });

  it("maps a connection set up to ZPA's allow on the application segment, its policy evaluation time in milliseconds", () => {
    expect(opened).toMatchObject({
      kind: 'policy',
      source: 'zpa_user_activity',
      ocsf_class_uid: 3003,
      time: '2026-11-20T08:20:00.750Z',
      emitter_id: 'zpa:Example Corp',
      correlation_id: 'zpa-fixture-conn-0001,zpa-fixture-conn-0001b',
      session_id: 'zpa-fixture-sess-0001',
      principal_id: 'alice.nguyen@example.com',
      principal_type: 'user',
      src_ip: '203.0.113.24',
      geo_country: 'NL',
      app: 'Payroll',
      decision: 'allow',
      policy_id: 'Finance apps for finance staff',
      action: 'tcp/443',
      eval_latency_ms: 0.035,
      request_latency_ms: 120.5,
      reasons: [],
      enforcement_point: 'broker1a.ams',
    });
  });

  it("keeps one decision per connection: its close record has the open record's id and time", () => {
    expect(closed).toEqual(opened);
  });

  it('maps a connection refused by policy to a deny, and one no connector could serve to an error, each with its reason', () => {
    expect(rejected).toMatchObject({
      decision: 'deny',
      reasons: ['BRK_MT_SETUP_FAIL_REJECTED_BY_POLICY'],
      // Never set up: the time is the log record's, a ctime string read as UTC.
      time: '2026-11-20T08:21:30.000Z',
      principal_id: 'mallory@example.net',
      action: 'tcp/22',
    });
    // ZPA's 0 setup time for a connection never set up is no latency.
    expect(rejected).not.toHaveProperty('request_latency_ms');
    expect(noConnector).toMatchObject({
      decision: 'error',
      reasons: ['BRK_MT_SETUP_FAIL_NO_CONNECTOR_AVAILABLE'],
      src_ip: '10.20.0.15',
      action: 'udp/53',
    });
    expect(new Set(eventsIn(normalizeAll(fixtureLines('zpa_user_activity'), '2030-01-01T00:00:00.000Z')).map((e) => e.event_id))).toEqual(
      new Set([opened!.event_id, rejected!.event_id, noConnector!.event_id]),
    );
  });
});

describe('ZPA user activity sample', () => {
  beforeEach(skipWithoutSamples);

  it('maps the active connection to an allow with its session, client, segment, policy and service edge', () => {
    const outcomes = normalizeAll(sampleFiles('sources')['zscaler_zpa-user_activity.ndjson']!);
    expect(outcomes.filter((o) => o.status !== 'normalized')).toEqual([]);
    expect(eventsIn(outcomes)[0]).toMatchObject({
      kind: 'policy',
      time: '2019-05-30T08:20:42.230Z',
      emitter_id: 'zpa:Customer XYZ',
      session_id: 'LHJdkjmNDf12nclBsvwA',
      correlation_id: 'SqyZIMkg0JTj7EABsvwA,Q+EjXGdrvbF2lPiBbedm',
      principal_id: 'ZPA LSS Client',
      src_ip: '81.2.69.193',
      geo_country: 'US',
      app: 'ABC Lab Apps',
      decision: 'allow',
      policy_id: 'ABC Lab Apps',
      action: 'tcp/10011',
      eval_latency_ms: 0.028,
      request_latency_ms: 192.397,
      enforcement_point: 'broker2b.pdx',
    });
  });
});
