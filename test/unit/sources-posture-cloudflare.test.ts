// Cloudflare device posture results as Logpush writes them: the project's fixtures (one record per
// mapping) and the real Logpush samples in ../shared/samples/sources, field by field.
import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeRecord, type NormalizeOutcome } from '../../src/events/index.js';
import { fixtureLines, normalizeOptions, sampleFiles, skipWithoutSamples } from '../support/helpers.js';

const normalizeAll = (lines: string[], observedTime?: string): NormalizeOutcome[] =>
  lines.map((line) => normalizeRecord(line, normalizeOptions(observedTime ? { observedTime } : {})));
const eventsIn = (outcomes: NormalizeOutcome[]) => outcomes.flatMap((o) => (o.status === 'normalized' ? [o.event] : []));

describe('Cloudflare device posture fixture', () => {
  const outcomes = normalizeAll(fixtureLines('cloudflare_device_posture'));
  const [passed, failed, again] = eventsIn(outcomes);

  it('normalizes every evaluated check with no reject; one without a result is skipped by its check type', () => {
    expect(outcomes).toHaveLength(4);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(outcomes.filter((o) => o.status === 'skipped')).toEqual([
      { status: 'skipped', source: 'cloudflare_device_posture', eventType: 'serial_number without a result' },
    ]);
  });

  it('maps a passed check to a compliant posture report with that check, the email lower-cased, the time with an offset in UTC', () => {
    expect(passed).toMatchObject({
      kind: 'posture',
      source: 'cloudflare_device_posture',
      ocsf_class_uid: 5002,
      time: '2026-11-20T09:00:00.000Z',
      tenant: 'default',
      emitter_id: 'cloudflare-device-posture',
      correlation_id: '0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70',
      principal_id: 'alice.nguyen@example.com',
      principal_type: 'user',
      device_id: 'f1c2d3e4-0a1b-11ef-9c2d-0242ac120002',
      compliant: true,
      checks: [{ name: 'Disk encryption', passed: true }],
      agent_version: '2024.11.309.0',
      os: 'windows 10.0.22631',
    });
  });

  it('maps a failed check (epoch nanoseconds) to a non-compliant report', () => {
    expect(failed).toMatchObject({
      time: '2026-11-20T09:16:00.000Z',
      compliant: false,
      checks: [{ name: 'Firewall', passed: false }],
      device_id: 'f1c2d3e4-0a1b-11ef-9c2d-0242ac120002',
    });
  });

  it('gives one check at one time one event id, whichever way the time is written (epoch seconds here)', () => {
    expect(again).toEqual(passed);
    expect(failed!.event_id).not.toBe(passed!.event_id);
    expect(eventsIn(normalizeAll(fixtureLines('cloudflare_device_posture'), '2030-01-01T00:00:00.000Z')).map((e) => e.event_id)).toEqual(
      [passed, failed, again].map((e) => e!.event_id),
    );
  });
});

describe('Cloudflare device posture sample', () => {
  beforeEach(skipWithoutSamples);

  it('maps each result to posture with its check; the one event written with three time forms is one event', () => {
    const outcomes = normalizeAll(sampleFiles('sources')['cloudflare_logpush-device_posture.ndjson']!);
    expect(outcomes.map((o) => o.status)).toEqual(['normalized', 'normalized', 'normalized', 'normalized']);
    const [iso, seconds, nanos, macos] = eventsIn(outcomes);
    expect(iso).toMatchObject({
      kind: 'posture',
      source: 'cloudflare_device_posture',
      time: '2023-05-17T12:00:00.000Z',
      principal_id: 'user@example.com',
      principal_type: 'user',
      device_id: '083a8354-d56c-11ed-9771-111111111',
      compliant: true,
      checks: [{ name: 'Ubuntu', passed: true }],
      agent_version: '2023.3.258',
      os: 'linux 5.15.0',
    });
    expect(seconds).toEqual(iso);
    expect(nanos).toEqual(iso);
    expect(macos).toMatchObject({
      time: '2026-04-29T08:00:00.000Z',
      correlation_id: '7c9b1f4e-22ab-4d3c-8e1f-0a2b3c4d5e6f',
      checks: [{ name: 'OS Version', passed: true }],
      agent_version: '2024.10.1',
      os: 'macos 14.5',
    });
    expect(macos!.event_id).not.toBe(iso!.event_id);
  });
});
