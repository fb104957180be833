// Google Workspace device audit activities (Reports API, applicationName=mobile): the project's
// fixtures (one record per mapping) and the real records in ../shared/samples/sources.
import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeRecord, type NormalizeOutcome } from '../../src/events/index.js';
import { fixtureLines, normalizeOptions, sampleFiles, skipWithoutSamples } from '../support/helpers.js';

const normalizeAll = (lines: string[], observedTime?: string): NormalizeOutcome[] =>
  lines.map((line) => normalizeRecord(line, normalizeOptions(observedTime ? { observedTime } : {})));
const eventsIn = (outcomes: NormalizeOutcome[]) => outcomes.flatMap((o) => (o.status === 'normalized' ? [o.event] : []));

describe('Google Workspace device fixture', () => {
  const outcomes = normalizeAll(fixtureLines('google_workspace_device'));
  const [noncompliant, compromised, compliant] = eventsIn(outcomes);

  it('normalizes every device event with a verdict with no reject; a sync without one is skipped by its name', () => {
    expect(outcomes).toHaveLength(4);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(outcomes.filter((o) => o.status === 'skipped')).toEqual([
      { status: 'skipped', source: 'google_workspace_device', eventType: 'DEVICE_SYNC_EVENT' },
    ]);
  });

  it("maps a compliance change to posture for the device's user (lower-cased), the event in the API's list form", () => {
    expect(noncompliant).toMatchObject({
      kind: 'posture',
      source: 'google_workspace_device',
      ocsf_class_uid: 5002,
      time: '2026-11-20T11:02:03.456Z',
      tenant: 'default',
      emitter_id: 'google_workspace:C0fixture1',
      principal_id: 'bob.martin@example.com',
      principal_type: 'user',
      device_id: 'fixture-gw-device-0001',
      src_ip: '203.0.113.24',
      compliant: false,
      checks: [{ name: 'device_compliance', passed: false }],
      os: 'IOS_SYNC 17.1.2',
    });
  });

  it('maps a compromised device (the event as one object) to non-compliant, and a compliant, uncompromised one to compliant', () => {
    expect(compromised).toMatchObject({
      principal_id: 'dave.okafor@example.com',
      device_id: 'fixture-gw-device-0002',
      compliant: false,
      checks: [{ name: 'not_compromised', passed: false }],
      os: 'ANDROID Android 15',
    });
    expect(compliant).toMatchObject({
      compliant: true,
      checks: [
        { name: 'device_compliance', passed: true },
        { name: 'not_compromised', passed: true },
      ],
    });
    const ids = [noncompliant, compromised, compliant].map((e) => e!.event_id);
    expect(new Set(ids).size).toBe(3);
    expect(eventsIn(normalizeAll(fixtureLines('google_workspace_device'), '2030-01-01T00:00:00.000Z')).map((e) => e.event_id)).toEqual(ids);
  });
});

describe('Google Workspace device sample', () => {
  beforeEach(skipWithoutSamples);

  it('maps the application event with verdicts to posture (compromised: non-compliant) and skips the sync, whose integrity values are placeholders', () => {
    const outcomes = normalizeAll(sampleFiles('sources')['google_workspace-device.ndjson']!);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(outcomes[1]).toEqual({ status: 'skipped', source: 'google_workspace_device', eventType: 'DEVICE_SYNC_EVENT' });
    expect(eventsIn(outcomes)).toEqual([
      expect.objectContaining({
        kind: 'posture',
        source: 'google_workspace_device',
        time: '2020-10-02T15:00:00.000Z',
        tenant: 'default',
        emitter_id: 'google_workspace:1',
        principal_id: 'user@foo.com',
        principal_type: 'user',
        device_id: 'asdqwe12e',
        src_ip: '67.43.156.13',
        compliant: false,
        checks: [
          { name: 'device_compliance', passed: true },
          { name: 'not_compromised', passed: false },
        ],
        os: 'ANDROID os11',
      }),
    ]);
  });
});
