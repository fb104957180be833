// The anomaly scorers on hand-made events: what raises a score, what does not, and bounded state.
import { describe, expect, it } from 'vitest';
import { normalizeRecord, type CanonicalEvent } from '../../src/events/index.js';
import { BoundedMap, evidenceOf } from '../../src/detect/anomaly.js';
import { DEFAULT_DENIAL_BURST, DenialBurstScorer } from '../../src/detect/denialBurst.js';
import { DEFAULT_TOKEN_REPLAY, TokenReplayScorer } from '../../src/detect/tokenReplay.js';
import { createScorers, SCORERS } from '../../src/detect/scorers.js';
import { normalizeOptions } from '../support/helpers.js';

const T0 = Date.parse('2026-11-20T10:00:00Z');
let seq = 0;
function event(fields: Record<string, unknown>, minutes: number): CanonicalEvent {
  const o = normalizeRecord(
    JSON.stringify({ emitter_id: 'e', emitter_seq: ++seq, tenant: 'acme', time: new Date(T0 + minutes * 60_000).toISOString(), ...fields }),
    normalizeOptions(),
  );
  if (o.status !== 'normalized') throw new Error(JSON.stringify(o));
  return o.event;
}
const home = { principal_id: 'ann', device_id: 'dev-1', src_ip: '81.2.69.10', geo_country: 'FR', user_agent: 'Firefox' };
const token = (activity: string, minutes: number, extra: Record<string, unknown> = {}) =>
  event({ kind: 'token', activity, token_id: 'jti-1', expires_at: new Date(T0 + 60 * 60_000).toISOString(), ...home, ...extra }, minutes);

describe('token replay scorer', () => {
  it('stays quiet for a token used from where it was issued, even from another address in the same /24', () => {
    const s = new TokenReplayScorer();
    expect(
      [token('issue', 0), token('use', 1), token('use', 5, { src_ip: '81.2.69.77' }), token('refresh', 9)].flatMap((e) => s.observe(e)),
    ).toEqual([]);
  });

  it('scores a use from another device, country, network and user agent, with the issued-to context as evidence', () => {
    const s = new TokenReplayScorer();
    s.observe(token('issue', 0));
    const [a] = s.observe(token('use', 3, { device_id: 'dev-x', src_ip: '45.1.2.3', geo_country: 'VN', user_agent: 'curl' }));
    expect(a).toMatchObject({
      type: 'token_replay',
      key: 'token:jti-1',
      kind: 'device-change',
      score: 100,
      severity: 'critical',
      tenant: 'acme',
    });
    expect(a!.evidence.reasons).toEqual([
      'different device',
      'different country within minutes',
      'different network within minutes',
      'different user agent',
    ]);
    expect(a!.evidence.baseline).toMatchObject({ device: 'dev-1', countries: ['FR'], networks: ['81.2.69.0/24'] });
    expect(a!.evidence.events.map((e) => e.device_id)).toEqual(['dev-1', 'dev-x']);
  });

  it('gives back the first event as evidence as it arrived, from its compact state (a token, a session of an auth or policy event)', () => {
    const s = new TokenReplayScorer();
    const issued = token('issue', 0, { app: 'crm' });
    s.observe(issued);
    expect(s.observe(token('use', 3, { device_id: 'dev-x', user_agent: 'curl' }))[0]!.evidence.events[0]).toEqual(evidenceOf(issued));
    for (const first of [
      event({ kind: 'auth', outcome: 'success', session_id: 's-1', auth_method: 'push', mfa: true, ...home, src_ip: '2001:db8::7' }, 0),
      event({ kind: 'policy', decision: 'allow', session_id: 's-2', policy_id: 'p', policy_version: 'v3', app: 'wiki', ...home }, 0),
    ]) {
      s.observe(first);
      const again = { ...first, event_id: `${first.event_id}-2`, device_id: 'dev-x', user_agent: 'curl' } as CanonicalEvent;
      expect(s.observe(again)[0]!.evidence.events).toEqual([evidenceOf(first), evidenceOf(again)]);
    }
  });

  it('scores a use after revocation and after expiry, and reports each new reason once', () => {
    const s = new TokenReplayScorer();
    s.observe(token('issue', 0));
    s.observe(token('revoke', 2));
    expect(s.observe(token('use', 4))[0]).toMatchObject({ kind: 'revoked-token-use', score: 70 });
    expect(s.observe(token('use', 5))).toEqual([]);
    const t = new TokenReplayScorer();
    t.observe(token('issue', 0, { expires_at: new Date(T0 + 5 * 60_000).toISOString() }));
    expect(t.observe(token('use', 8, { expires_at: new Date(T0 + 5 * 60_000).toISOString() }))[0]).toMatchObject({
      kind: 'expired-token-use',
      score: 60,
    });
  });

  it('holds at most the configured number of credentials, forgetting the least recently seen', () => {
    const s = new TokenReplayScorer({ ...DEFAULT_TOKEN_REPLAY, maxCredentials: 100 });
    for (let i = 0; i < 250; i++) s.observe(token('issue', 0, { token_id: `t${i}` }));
    expect(s.size).toBe(100);
    expect(s.evictions).toBe(150);
  });

  it('forgets credentials idle longer than the expiry', () => {
    const s = new TokenReplayScorer({ ...DEFAULT_TOKEN_REPLAY, idleMs: 60 * 60_000 });
    for (let i = 0; i < 999; i++) s.observe(token('issue', 0, { token_id: `old${i}` }));
    s.observe(token('issue', 120, { token_id: 'new' })); // the 1000th observation sweeps
    expect(s.size).toBe(1);
  });
});

/** The i-th user's policy denial at `minutes`, each user from a network of their own. */
const policyDenial = (policy: { app: string; policy_id: string; policy_version: string }, minutes: number, i: number) =>
  event({ kind: 'policy', decision: 'deny', principal_id: `u${i}`, src_ip: `10.${i}.0.1`, ...policy }, minutes);

/** A denial burst scorer that has watched the tenant since minute 0 (an allowed decision): a version first seen later is new. */
function watchingScorer(options = DEFAULT_DENIAL_BURST): DenialBurstScorer {
  const s = new DenialBurstScorer(options);
  s.observe(event({ kind: 'policy', decision: 'allow', principal_id: 'zed', policy_id: 'other', policy_version: 'v0' }, 0));
  return s;
}

describe('denial burst scorer', () => {
  const fail = (minutes: number, extra: Record<string, unknown> = {}) =>
    event(
      { kind: 'auth', outcome: 'failure', principal_id: 'bob', src_ip: '45.9.9.9', app: 'vpn', auth_method: 'password', ...extra },
      minutes,
    );

  it('never raises fewer than the minimum count', () => {
    const s = new DenialBurstScorer();
    const found = Array.from({ length: DEFAULT_DENIAL_BURST.minCount - 1 }, (_, i) => s.observe(fail(i / 100))).flat();
    expect(found).toEqual([]);
  });

  it('names brute force on one principal and spraying from one network, with the baseline as evidence', () => {
    const s = new DenialBurstScorer();
    const brute = Array.from({ length: 12 }, (_, i) => s.observe(fail(i / 100))).flat();
    expect(brute.map((a) => [a.key, a.kind])).toEqual([
      ['principal:bob', 'brute-force'],
      ['src_net:45.9.9.0/24', 'brute-force'],
    ]);
    expect(brute[0]!.evidence.baseline).toMatchObject({ median: 0, threshold: 10 });
    const spray = new DenialBurstScorer();
    const found = Array.from({ length: 12 }, (_, i) => spray.observe(fail(i / 100, { principal_id: `user${i}` }))).flat();
    expect(found.map((a) => [a.key, a.kind])).toEqual([['src_net:45.9.9.0/24', 'password-spray']]);
  });

  it("leaves a device's posture denials out of its principal's and network's bursts, not out of the policy's", () => {
    const s = watchingScorer();
    // A busy user's client retries on a device that failed its posture check: 30 denials a minute, each for the device.
    const blocked = (i: number, reasons: string[]) =>
      event(
        {
          kind: 'policy',
          decision: 'deny',
          principal_id: 'cat',
          app: 'git',
          policy_id: 'p',
          policy_version: 'v1',
          src_ip: '81.2.3.4',
          reasons,
        },
        5 + i / 100,
      );
    const posture = Array.from({ length: 30 }, (_, i) => s.observe(blocked(i, ['device not compliant']))).flat();
    expect(posture.map((a) => a.key)).toEqual(['policy:p@v1']);
    // The same count denied for anything else (an unmanaged device too) is the principal's burst.
    const other = watchingScorer();
    const reasons = [['device not managed'], ['missing group membership'], ['device not compliant', 'outside allowed hours']];
    const found = Array.from({ length: 30 }, (_, i) => other.observe(blocked(i, reasons[i % 3]!))).flat();
    expect(found.map((a) => [a.key, a.kind])).toEqual([
      ['principal:cat', 'denied-principal'],
      ['src_net:81.2.3.0/24', 'denied-network'],
      ['policy:p@v1', 'misconfigured-rollout'],
    ]);
    // Which reasons are the device's posture is an option.
    const strict = new DenialBurstScorer({ ...DEFAULT_DENIAL_BURST, postureReasons: /^$/ });
    const counted = Array.from({ length: 30 }, (_, i) => strict.observe(blocked(i, ['device not compliant']))).flat();
    expect(counted.map((a) => a.key)).toContain('principal:cat');
  });

  it('judges a busy key against its own baseline, not the minimum count', () => {
    const s = new DenialBurstScorer();
    // 15 policy denials a minute for half an hour is this app's normal.
    const deny = (minutes: number, i: number) => policyDenial({ app: 'wiki', policy_id: 'p', policy_version: 'v1' }, minutes, i);
    const normal = [];
    for (let m = 0; m < 30; m++) for (let i = 0; i < 15; i++) normal.push(...s.observe(deny(m + i / 100, i)));
    expect(normal.filter((a) => a.key === 'app:wiki')).toEqual([]);
  });

  it('attributes a burst on a policy version first seen minutes before to a misconfigured rollout', () => {
    const s = watchingScorer();
    const rollout = { app: 'crm', policy_id: 'ztna/crm/allow', policy_version: 'v2' };
    const found = Array.from({ length: 12 }, (_, i) => s.observe(policyDenial(rollout, 2 + i / 100, i))).flat();
    expect(found.map((a) => [a.key, a.kind])).toEqual([['policy:ztna/crm/allow@v2', 'misconfigured-rollout']]);
  });

  it('raises no rollout at a cold start: a version in use before is judged on its own history, and surges only past it', () => {
    const s = new DenialBurstScorer();
    // A busy policy that denies 12 a minute, every minute, from the scorer's first minute on:
    // the denials of a version that was there before anyone watched, not a new one's.
    const deny = (minutes: number, i: number) => policyDenial({ app: 'crm', policy_id: 'p', policy_version: 'v7' }, minutes, i);
    const steady = [];
    for (let m = 0; m < 15; m++) for (let i = 0; i < 12; i++) steady.push(...s.observe(deny(m + i / 100, i)));
    // (Judged by the minimum count alone, minute 0 had been a "rollout first seen 0 min before".)
    expect(steady.filter((a) => a.key.startsWith('policy:'))).toEqual([]);
    // Three times its normal, once it has a history: a surge of that policy, not a rollout.
    const surge = Array.from({ length: 40 }, (_, i) => s.observe(deny(15 + i / 100, i % 12))).flat();
    expect(surge.filter((a) => a.key.startsWith('policy:')).map((a) => [a.key, a.kind])).toEqual([['policy:p@v7', 'policy-denial-surge']]);
  });

  it('keeps its cooldown around every burst raised when minutes arrive out of order', () => {
    const s = new DenialBurstScorer();
    // Twelve failed logins of bob in a minute, each from its own network.
    const minute = (m: number) =>
      Array.from({ length: 12 }, (_, i) => s.observe(fail(m + i / 100, { src_ip: `10.${m}.${i}.1` })))
        .flat()
        .map((a) => a.time.slice(11, 16));
    // Source partitions read at different paces: minute 22 first, then 11 (eleven minutes before: a burst of its own), then 21.
    expect(minute(22)).toEqual(['10:22']);
    expect(minute(11)).toEqual(['10:11']);
    expect(minute(21)).toEqual([]);
    expect(minute(33)).toEqual(['10:33']);
  });

  it('needs twice the minimum count from a version in use before, as from an app: it serves all its users', () => {
    const s = new DenialBurstScorer();
    const deny = (minutes: number, i: number) => policyDenial({ app: 'billing', policy_id: 'p', policy_version: 'v2' }, minutes, i);
    for (let m = 0; m < 15; m++) for (let i = 0; i < 2; i++) s.observe(deny(m + i / 100, i));
    const minute = (m: number, n: number) =>
      Array.from({ length: n }, (_, i) => s.observe(deny(m + i / 1000, i)))
        .flat()
        .filter((a) => a.key.startsWith('policy:'));
    // 19 denials against a median of 2 clears a narrow key's threshold (10.5), not a broad one's.
    expect(minute(15, 2 * DEFAULT_DENIAL_BURST.minCount - 1)).toEqual([]);
    expect(minute(16, 2 * DEFAULT_DENIAL_BURST.minCount).map((a) => a.kind)).toEqual(['policy-denial-surge']);
  });

  it("judges a minute against the key's history, and the anomaly carries that judgement: score, kind and evidence", () => {
    const s = new DenialBurstScorer();
    const push = (minutes: number) => fail(minutes, { auth_method: 'push', mfa: true });
    // Two rejected pushes a minute for 20 minutes is bob's normal; then a burst.
    const quiet = Array.from({ length: 40 }, (_, i) => s.observe(push(Math.floor(i / 2) + (i % 2) / 10))).flat();
    expect(quiet).toEqual([]);
    const burst = Array.from({ length: 11 }, (_, i) => push(20 + i / 100));
    const [bob] = burst.flatMap((e) => s.observe(e)).filter((a) => a.key === 'principal:bob');
    // Threshold: median 2 + 6·√2 (the MAD is 0, so the Poisson floor is the spread); 11 is 1.05× over it.
    const threshold = 2 + 6 * Math.SQRT2;
    expect(bob).toEqual({
      anomaly_id: expect.any(String),
      type: 'denial_burst',
      kind: 'mfa-push-bombing',
      score: Math.round(50 + 25 * Math.log2(11 / threshold)),
      severity: 'medium',
      tenant: 'acme',
      key: 'principal:bob',
      time: '2026-11-20T10:20:00.000Z', // the burst's minute, whichever denial tipped it
      evidence: {
        reasons: [
          `11 denials in the minute from 2026-11-20T10:20:00.000Z, threshold ${threshold.toFixed(1)}`,
          '11 MFA push failures for one principal',
        ],
        events: burst.slice(6).map((e) => expect.objectContaining({ event_id: e.event_id })),
        baseline: { minutes: 20, median: 2, mad: 0, threshold, distinct_principals: 1 },
      },
    });
    expect(bob!.score).toBe(52);
  });
});

describe('scorer registry', () => {
  it('names each scorer by the anomaly type it raises, with its option defaults', () => {
    expect(Object.keys(SCORERS)).toEqual([
      'token_replay',
      'denial_burst',
      'credential_stuffing',
      'mfa_fatigue',
      'session_hijack',
      'impossible_travel',
      'noncompliant_access',
      'secret_leak',
      'new_context',
    ]);
    expect(SCORERS.token_replay.defaults).toEqual(DEFAULT_TOKEN_REPLAY);
    expect(SCORERS.denial_burst.defaults).toEqual(DEFAULT_DENIAL_BURST);
    expect(SCORERS.token_replay.create()).toBeInstanceOf(TokenReplayScorer);
    expect(SCORERS.denial_burst.create()).toBeInstanceOf(DenialBurstScorer);
  });

  it('creates a scorer with the options given and the defaults for the others', () => {
    const fewer = SCORERS.denial_burst.create({ minCount: 3 });
    const found = [0, 0.01, 0.02].flatMap((m) =>
      fewer.observe(event({ kind: 'auth', outcome: 'failure', principal_id: 'eve', src_ip: '45.1.1.1', app: 'vpn' }, m)),
    );
    // Three denials raise with minCount 3; the broad keys (app, tenant) still need the default history.
    expect(found.map((a) => [a.key, a.evidence.baseline.threshold])).toEqual([
      ['principal:eve', 3],
      ['src_net:45.1.1.0/24', 3],
    ]);
    const { tokenReplay, denialBurst } = createScorers({ tokenReplay: { maxCredentials: 100 } });
    for (let i = 0; i < 150; i++) tokenReplay.observe(token('issue', 0, { token_id: `t${i}` }));
    expect([tokenReplay.size, tokenReplay.evictions]).toEqual([100, 50]);
    expect(denialBurst).toBeInstanceOf(DenialBurstScorer);
  });
});

describe('bounded map', () => {
  it('keeps the most recently touched entries', () => {
    const m = new BoundedMap<number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.get('a');
    m.set('c', 3);
    expect([m.get('a'), m.get('b'), m.get('c'), m.size]).toEqual([1, undefined, 3, 2]);
  });
});
