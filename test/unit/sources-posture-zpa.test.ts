// Zscaler Private Access user status (LSS) as posture: the project's fixtures (one record per
// mapping) and the real LSS records in ../shared/samples/sources, field by field.
import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeRecord, type NormalizeOutcome } from '../../src/events/index.js';
import { fixtureLines, normalizeOptions, sampleFiles, skipWithoutSamples } from '../support/helpers.js';

const normalizeAll = (lines: string[], observedTime?: string): NormalizeOutcome[] =>
  lines.map((line) => normalizeRecord(line, normalizeOptions(observedTime ? { observedTime } : {})));
const eventsIn = (outcomes: NormalizeOutcome[]) => outcomes.flatMap((o) => (o.status === 'normalized' ? [o.event] : []));

describe('ZPA user status fixture', () => {
  const outcomes = normalizeAll(fixtureLines('zpa_user_status'));
  const [missed, met] = eventsIn(outcomes);

  it('normalizes every status with posture profiles with no reject; one without any is skipped by its client type', () => {
    expect(outcomes).toHaveLength(3);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(outcomes.filter((o) => o.status === 'skipped')).toEqual([
      { status: 'skipped', source: 'zpa_user_status', eventType: 'zpn_client_type_ip_anchoring status without posture' },
    ]);
  });

  it('maps the profiles hit and missed (comma-separated) to checks: one missed makes the device non-compliant', () => {
    expect(missed).toMatchObject({
      kind: 'posture',
      source: 'zpa_user_status',
      ocsf_class_uid: 5002,
      time: '2026-11-20T09:30:00.000Z',
      tenant: 'default',
      emitter_id: 'zpa:Example Corp',
      session_id: 'zpa-us-fixture-sess-0001',
      principal_id: 'alice.nguyen@example.com',
      principal_type: 'user',
      device_id: 'LAPTOP-AN-01',
      src_ip: '203.0.113.24',
      geo_country: 'NL',
      compliant: false,
      checks: [
        { name: 'CrowdStrike running', passed: false },
        { name: 'Disk encrypted', passed: true },
        { name: 'Firewall on', passed: true },
      ],
      agent_version: '4.3.0.188',
      os: 'windows',
    });
  });

  it('reads the profiles as lists too: all met is compliant', () => {
    expect(met).toMatchObject({
      compliant: true,
      checks: ['Disk encrypted', 'Firewall on', 'CrowdStrike running'].map((name) => ({ name, passed: true })),
      principal_id: 'bob.martin@example.com',
      src_ip: '2001:db8::51',
      device_id: 'MBP-BM-02',
      os: 'mac',
    });
    const ids = [missed, met].map((e) => e!.event_id);
    expect(new Set(ids).size).toBe(2);
    expect(eventsIn(normalizeAll(fixtureLines('zpa_user_status'), '2030-01-01T00:00:00.000Z')).map((e) => e.event_id)).toEqual(ids);
  });
});

describe('ZPA user status sample', () => {
  beforeEach(skipWithoutSamples);

  it('maps both Client Connector statuses to posture with the hits and misses; IP anchoring without posture is skipped', () => {
    const outcomes = normalizeAll(sampleFiles('sources')['zscaler_zpa-user_status.ndjson']!);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(outcomes[2]).toEqual({
      status: 'skipped',
      source: 'zpa_user_status',
      eventType: 'zpn_client_type_ip_anchoring status without posture',
    });
    const [asText, asList] = eventsIn(outcomes);
    const checks = [
      { name: 'sm-posture11', passed: false },
      { name: 'sm-posture12', passed: false },
      { name: 'sm-posture1', passed: true },
      { name: 'sm-posture2', passed: true },
    ];
    expect(asList).toMatchObject({
      kind: 'posture',
      time: '2019-05-31T17:34:48.000Z',
      emitter_id: 'zpa:Customer XYZ',
      session_id: 'vkczUERSLl88Y+ytH8v5',
      principal_id: 'john.doe@ourcompany.cz',
      device_id: 'DESKTOP-99HCSJ1',
      src_ip: '81.2.69.144',
      geo_country: 'US',
      compliant: false,
      checks,
      agent_version: '19.12.0-36-g87dad18',
      os: 'windows',
    });
    expect(asText).toMatchObject({ principal_id: 'ZPA LSS Client', compliant: false, checks });
  });
});
