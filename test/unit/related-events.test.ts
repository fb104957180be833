// A record that carries several access events (an Entra sign-in with the Conditional Access
// policies it enforced and the device's compliance): normalizeRecord gives the record's own event
// and each related one, validated as its kind; one invalid related event rejects the record; and
// prepare stores each as a row from the same record, the record tallied once.
import { describe, expect, it } from 'vitest';
import { CanonicalEvent, deriveEventId, normalizeRecord, type NormalizeOutcome } from '../../src/events/index.js';
import { prepareRecords } from '../../src/pipeline/prepare.js';
import { fixtureLines, normalizeOptions } from '../support/helpers.js';

const normalized = (outcome: NormalizeOutcome) => {
  if (outcome.status !== 'normalized') throw new Error(`expected normalized, got ${JSON.stringify(outcome)}`);
  return outcome;
};
// The fixture's interactive sign-in: MFA, two policies that passed, a compliant managed device.
const [signIn, badPassword] = fixtureLines('entra');
const SIGN_IN_ID = 'c1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f0';

describe('a record with related events', () => {
  it("gives the record's own event first, then each related event in the source's order, each a valid event of its kind", () => {
    const { event, related } = normalized(normalizeRecord(signIn!, normalizeOptions()));
    expect(event.kind).toBe('auth');
    expect(related.map((e) => [e.kind, e.kind === 'policy' ? e.decision : e.kind === 'posture' && e.compliant])).toEqual([
      ['policy', 'allow'],
      ['policy', 'allow'],
      ['posture', true],
    ]);
    for (const e of related) expect(CanonicalEvent.parse(e)).toEqual(e);
    // Finalized as the record's own event is: defaults, OCSF ids.
    expect(related.map((e) => [e.tenant, e.observed_time, e.ocsf_class_uid])).toEqual([
      [event.tenant, event.observed_time, 3003],
      [event.tenant, event.observed_time, 3003],
      [event.tenant, event.observed_time, 5002],
    ]);
  });

  it("gives each related event its own id, derived from the record's id and what it is, the same whenever it is normalized", () => {
    const first = normalized(normalizeRecord(signIn!, normalizeOptions()));
    const again = normalized(normalizeRecord(signIn!, normalizeOptions({ observedTime: '2030-01-01T00:00:00.000Z' })));
    const ids = [first.event, ...first.related].map((e) => e.event_id);
    expect(new Set(ids).size).toBe(4);
    expect([again.event, ...again.related].map((e) => e.event_id)).toEqual(ids);
    expect(ids.slice(1)).toEqual([
      deriveEventId('entra', 'SignInLogs', SIGN_IN_ID, 'ca', '1e2f3a4b-5c6d-4e7f-9a8b-0c1d2e3f4a5b'),
      deriveEventId('entra', 'SignInLogs', SIGN_IN_ID, 'ca', '4b5c6d7e-8f9a-4b0c-9d1e-3f4a5b6c7d8e'),
      deriveEventId('entra', 'SignInLogs', SIGN_IN_ID, 'device', '3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9'),
    ]);
  });

  it('shares one empty, frozen list among records that carry nothing more', () => {
    const a = normalized(normalizeRecord(badPassword!, normalizeOptions()));
    const b = normalized(normalizeRecord(fixtureLines('okta')[1]!, normalizeOptions()));
    expect(a.related).toEqual([]);
    expect(b.related).toBe(a.related);
    expect(Object.isFrozen(a.related)).toBe(true);
  });

  it("rejects the whole record, with the reason, when one related event is invalid, though the record's own is valid", () => {
    const record = JSON.parse(signIn!);
    record.properties.appliedConditionalAccessPolicies[2].displayName = 'x'.repeat(300);
    const outcome = normalizeRecord(JSON.stringify(record), normalizeOptions());
    expect(outcome.status).toBe('rejected');
    expect(outcome.status === 'rejected' && outcome.reason).toMatch(/^entra \(its related policy event\): rule: /);
  });

  it('prepares each event as a row from the same record, the record tallied once by its own event, an invalid one storing nothing', () => {
    const invalid = JSON.parse(signIn!);
    invalid.properties.deviceDetail.operatingSystem = 'Windows\u0007';
    const values = [signIn!, JSON.stringify(invalid), badPassword!].map((line) => Buffer.from(line));
    const prepared = prepareRecords(values, normalizeOptions());
    expect(prepared.events.map((e) => e.kind)).toEqual(['auth', 'policy', 'policy', 'posture', 'auth']);
    expect([...prepared.kinds]).toEqual([0, 1, 1, 2, 0]);
    expect([...prepared.recordOf]).toEqual([0, 0, 0, 0, 2]);
    const [table] = prepared.tables;
    expect(prepared.tables).toHaveLength(1);
    expect([...table!.eventOf]).toEqual([0, 1, 2, 3, 4]);
    const rows = Array.from(table!.ends, (end, i) => JSON.parse(table!.data.subarray(i === 0 ? 0 : table!.ends[i - 1], end).toString()));
    expect(rows.map((r) => r.event_id)).toEqual(prepared.events.map((e) => e.event_id));
    expect(prepared.rejects).toEqual([{ index: 1, reason: expect.stringMatching(/^entra \(its related posture event\): os: /) }]);
    expect(prepared.outcomes).toEqual([
      { kind: 'auth', source: 'entra', status: 'normalized', n: 2 },
      { kind: '', source: '', status: 'rejected', n: 1 },
    ]);
  });
});
