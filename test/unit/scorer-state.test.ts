// The scorers' compact state under a million distinct keys: the cap and the idle expiry hold,
// and the typed-array slots and interned strings are freed with the keys (counts, not timing).
import { describe, expect, it } from 'vitest';
import { normalizeRecord, type CanonicalEvent } from '../../src/events/index.js';
import { DEFAULT_DENIAL_BURST, DenialBurstScorer } from '../../src/detect/denialBurst.js';
import { DEFAULT_TOKEN_REPLAY, TokenReplayScorer } from '../../src/detect/tokenReplay.js';
import { normalizeOptions } from '../support/helpers.js';

const T0 = Date.parse('2026-11-20T10:00:00Z');
const MILLION = 1_000_000;

function template(fields: Record<string, unknown>): CanonicalEvent {
  const o = normalizeRecord(
    JSON.stringify({ emitter_id: 'e', tenant: 'acme', time: new Date(T0).toISOString(), ...fields }),
    normalizeOptions(),
  );
  if (o.status !== 'normalized') throw new Error(JSON.stringify(o));
  return o.event;
}

describe('token replay state under a million distinct credentials', () => {
  const issue = template({ kind: 'token', activity: 'issue', token_id: 'x', principal_id: 'p', device_id: 'd', src_ip: '81.2.69.1' });
  const token = (i: number, time: number) =>
    ({
      ...issue,
      event_id: `e-${i}`,
      time: new Date(time).toISOString(),
      token_id: `tok-${i}`,
      principal_id: `user${i}@acme.example`,
      device_id: `dev-${i}`,
      src_ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    }) as CanonicalEvent;

  it('holds at most the cap, least recently seen forgotten first, their slots and strings freed', () => {
    const s = new TokenReplayScorer({ ...DEFAULT_TOKEN_REPLAY, maxCredentials: 50_000 });
    for (let i = 0; i < MILLION; i++) s.observe(token(i, T0));
    expect([s.size, s.evictions]).toEqual([50_000, MILLION - 50_000]);
    expect(s.held.slots).toBe(50_000);
    // The credentials held: each its own principal and device (an IPv4 address is kept as its bits); their /24 networks; the tenant.
    const networks = new Set(Array.from({ length: 50_000 }, (_, k) => (MILLION - 1 - k) >> 8)).size;
    expect(s.held.strings).toBe(2 * 50_000 + networks + 1);
  });

  it('forgets credentials idle longer than the expiry as time moves on', () => {
    // One new credential every 100 ms for 27 hours of event time, idle after an hour.
    const s = new TokenReplayScorer({ ...DEFAULT_TOKEN_REPLAY, idleMs: 3_600_000 });
    for (let i = 0; i < MILLION; i++) s.observe(token(i, T0 + i * 100));
    // An hour of credentials, and at most the thousand observed between two sweeps.
    expect(s.size).toBeGreaterThanOrEqual(36_000);
    expect(s.size).toBeLessThanOrEqual(36_000 + 1_000);
    expect(s.evictions).toBe(0);
    expect(s.held.slots).toBe(s.size);
  });
});

describe('denial burst state under a million distinct keys', () => {
  const failure = template({ kind: 'auth', outcome: 'failure', principal_id: 'p', src_ip: '81.2.69.1', app: 'a' });
  it('holds at most the cap, least recently seen forgotten first, their slots and strings freed', () => {
    const s = new DenialBurstScorer(DEFAULT_DENIAL_BURST);
    // Each denial: a new principal, network and app (three new keys) in the one tenant; a minute apart in tens.
    for (let i = 0; i < MILLION / 3; i++)
      s.observe({
        ...failure,
        event_id: `e-${i}`,
        time: new Date(T0 + Math.floor(i / 10) * 60_000).toISOString(),
        principal_id: `user${i}@acme.example`,
        src_ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.1`,
        app: `app${i}`,
      } as CanonicalEvent);
    expect(s.size).toBe(DEFAULT_DENIAL_BURST.maxKeys);
    expect(s.held.slots).toBe(DEFAULT_DENIAL_BURST.maxKeys);
    // What the keys held refer to: their names' strings, the tracked principals and the recent denials' strings.
    expect(s.held.strings).toBeLessThanOrEqual(4 * DEFAULT_DENIAL_BURST.maxKeys);
  });
});
