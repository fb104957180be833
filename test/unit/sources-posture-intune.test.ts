// Microsoft Intune managed devices (the diagnostic export's Devices category): the project's
// fixtures (one record per mapping) and the real export records in ../shared/samples/sources.
import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeRecord, type NormalizeOutcome } from '../../src/events/index.js';
import { fixtureLines, normalizeOptions, sampleFiles, skipWithoutSamples } from '../support/helpers.js';

const normalizeAll = (lines: string[], observedTime?: string): NormalizeOutcome[] =>
  lines.map((line) => normalizeRecord(line, normalizeOptions(observedTime ? { observedTime } : {})));
const eventsIn = (outcomes: NormalizeOutcome[]) => outcomes.flatMap((o) => (o.status === 'normalized' ? [o.event] : []));

describe('Intune managed device fixture', () => {
  const outcomes = normalizeAll(fixtureLines('intune'));
  const [compliant, noncompliant, grace, repeated] = eventsIn(outcomes);

  it("normalizes every device with Intune's verdict with no reject; an Unknown state is skipped", () => {
    expect(outcomes).toHaveLength(5);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(outcomes.filter((o) => o.status === 'skipped')).toEqual([
      { status: 'skipped', source: 'intune', eventType: 'Devices (Unknown)' },
    ]);
  });

  it("maps a compliant device to posture in its Entra tenant, at its last check-in, with the verdict's parts as checks", () => {
    expect(compliant).toMatchObject({
      kind: 'posture',
      source: 'intune',
      ocsf_class_uid: 5002,
      time: '2026-11-20T07:41:12.500Z',
      tenant: '7c1f0e2d-3b4a-4c5d-9e8f-0a1b2c3d4e5f',
      emitter_id: 'intune:3f2e1d0c-9b8a-4765-b4a3-928170615243',
      principal_id: 'alice.nguyen@example.com',
      principal_type: 'user',
      device_id: '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c10',
      compliant: true,
      checks: [
        { name: 'intune_compliance', passed: true },
        { name: 'encryption', passed: true },
        { name: 'managed', passed: true },
        { name: 'registered', passed: true },
      ],
      os: 'Windows 10.0.26100.2314',
    });
  });

  it('maps a non-compliant, unencrypted, jailbroken device and one in its grace period to non-compliant', () => {
    expect(noncompliant).toMatchObject({
      compliant: false,
      time: '2026-11-20T18:02:55.000Z',
      principal_id: 'bob.martin@example.com',
      checks: [
        { name: 'intune_compliance', passed: false },
        { name: 'encryption', passed: false },
        { name: 'not_jailbroken', passed: false },
        { name: 'managed', passed: true },
        { name: 'registered', passed: true },
      ],
      os: 'iOS 17.1.2',
    });
    expect(grace).toMatchObject({ compliant: false, checks: expect.arrayContaining([{ name: 'intune_compliance', passed: false }]) });
  });

  it("keeps a device that has not checked in since the last export as one report (the next day's snapshot has its id)", () => {
    expect(repeated).toEqual(compliant);
    const ids = [compliant, noncompliant, grace].map((e) => e!.event_id);
    expect(new Set(ids).size).toBe(3);
    expect(eventsIn(normalizeAll(fixtureLines('intune'), '2030-01-01T00:00:00.000Z')).map((e) => e.event_id)).toEqual([...ids, ids[0]]);
  });
});

describe('Intune managed device sample', () => {
  beforeEach(skipWithoutSamples);

  it('maps each exported device to posture with its compliance, encryption, management and registration', () => {
    const outcomes = normalizeAll(sampleFiles('sources')['microsoft_intune-managed_device.ndjson']!);
    expect(outcomes.map((o) => o.status)).toEqual(['normalized', 'normalized', 'normalized']);
    const [first, unencrypted] = eventsIn(outcomes);
    expect(first).toMatchObject({
      kind: 'posture',
      source: 'intune',
      time: '2023-10-26T12:23:58.799Z',
      tenant: '3adb963c-8e61-48e8-a06d-6dbb0dacea39',
      emitter_id: 'intune:10b5ba40-b8e0-45a0-8d68-266bf9def4b5',
      principal_id: 'abc.123@example.com',
      principal_type: 'user',
      device_id: '6c4217e6-bc89-4e7f-a04c-129f04866de4',
      compliant: true,
      checks: [
        { name: 'intune_compliance', passed: true },
        { name: 'encryption', passed: true },
        { name: 'managed', passed: true },
        { name: 'registered', passed: true },
      ],
      os: 'Windows 10.0.22621.2428',
    });
    // Intune calls it compliant though BitLocker is off: its verdict stands, the check tells.
    expect(unencrypted).toMatchObject({ compliant: true, checks: expect.arrayContaining([{ name: 'encryption', passed: false }]) });
  });
});
