// The detections analysts expect, on hand-made events at the anchors' thresholds (Elastic's and
// Sigma's Okta and Entra rules), and one incident per attack when several scorers see it.
import { describe, expect, it } from 'vitest';
import { normalizeRecord, type CanonicalEvent } from '../../src/events/index.js';
import { CredentialStuffingScorer, DEFAULT_CREDENTIAL_STUFFING } from '../../src/detect/credentialStuffing.js';
import { DEFAULT_IMPOSSIBLE_TRAVEL, ImpossibleTravelScorer } from '../../src/detect/impossibleTravel.js';
import { MfaFatigueScorer } from '../../src/detect/mfaFatigue.js';
import { DEFAULT_NEW_CONTEXT, NewContextScorer } from '../../src/detect/newContext.js';
import { NoncompliantAccessScorer } from '../../src/detect/noncompliantAccess.js';
import { score } from '../../src/detect/processor.js';
import type { Anomaly } from '../../src/detect/anomaly.js';
import { Incidents } from '../../src/detect/incidents.js';
import { DEFAULT_SERVICE_CREDENTIAL, ServiceCredentialScorer } from '../../src/detect/serviceCredential.js';
import { createScorers, SCORERS } from '../../src/detect/scorers.js';
import { SessionHijackScorer } from '../../src/detect/sessionHijack.js';
import { normalizeOptions } from '../support/helpers.js';

const T0 = Date.parse('2026-11-20T10:00:00Z');
let seq = 0;
function event(fields: Record<string, unknown>, seconds: number): CanonicalEvent {
  const o = normalizeRecord(
    JSON.stringify({ emitter_id: 'e', emitter_seq: ++seq, tenant: 'acme', time: new Date(T0 + seconds * 1000).toISOString(), ...fields }),
    normalizeOptions(),
  );
  if (o.status !== 'normalized') throw new Error(JSON.stringify(o));
  return o.event;
}
const fail = (principal: string, seconds: number, extra: Record<string, unknown> = {}) =>
  event(
    { kind: 'auth', outcome: 'failure', principal_id: principal, src_ip: '45.9.9.9', app: 'vpn', auth_method: 'password', ...extra },
    seconds,
  );
const signIn = (seconds: number, extra: Record<string, unknown> = {}) =>
  event(
    { kind: 'auth', outcome: 'success', principal_id: 'ann', src_ip: '81.2.69.10', geo_country: 'FR', device_id: 'dev-1', ...extra },
    seconds,
  );
const allow = (seconds: number, extra: Record<string, unknown> = {}) =>
  event(
    { kind: 'policy', decision: 'allow', principal_id: 'ann', policy_id: 'ztna/git/allow', policy_version: 'v1', app: 'git', ...extra },
    seconds,
  );

describe('credential stuffing', () => {
  it('raises once 15 users are tried from one source, none more than twice', () => {
    const s = new CredentialStuffingScorer();
    const found = Array.from({ length: 20 }, (_, i) => s.observe(fail(`user${i}`, i * 2))).flat();
    expect(found.map((a) => [a.type, a.kind, a.key, a.time])).toEqual([
      ['credential_stuffing', 'credential-stuffing', 'src_net:45.9.9.0/24', new Date(T0 + 28_000).toISOString()],
    ]);
    expect(found[0]!.evidence.events.map((e) => e.principal_id)).toEqual(['user10', 'user11', 'user12', 'user13', 'user14']);
    expect(found[0]!.evidence.baseline).toMatchObject({ min_users: 15, max_tries_per_user: 2, failures: 15 });
  });

  it('stays quiet for spraying: the same users tried again and again', () => {
    const s = new CredentialStuffingScorer();
    // 20 users, three rounds of passwords: the third try of the first user rules stuffing out before the 15th user.
    const found = Array.from({ length: 60 }, (_, i) => s.observe(fail(`user${i % 8}`, i))).flat();
    expect(found).toEqual([]);
    const wide = new CredentialStuffingScorer();
    const rounds = Array.from({ length: 60 }, (_, i) => wide.observe(fail(`user${i % 20}`, i))).flat();
    // Round one reaches 15 users at one try each: stuffing by the anchor's counts, as an analyst would see it at that point.
    expect(rounds).toHaveLength(1);
  });

  it('takes its thresholds from the options', () => {
    const s = SCORERS.credential_stuffing.create({ minUsers: 5 });
    expect(Array.from({ length: 6 }, (_, i) => s.observe(fail(`user${i}`, i))).flat()).toHaveLength(1);
    expect(SCORERS.credential_stuffing.defaults).toEqual(DEFAULT_CREDENTIAL_STUFFING);
  });
});

describe('MFA push fatigue', () => {
  const push = (seconds: number) => fail('ann', seconds, { auth_method: 'push', mfa: true, failure_reason: 'mfa push rejected' });

  it('raises at 5 denied pushes within 10 minutes, and high when a success follows', () => {
    const s = new MfaFatigueScorer();
    const pushes = [0, 100, 200, 300, 400, 500].flatMap((t) => s.observe(push(t)));
    expect(pushes.map((a) => [a.kind, a.severity, a.time])).toEqual([['mfa-fatigue', 'medium', new Date(T0 + 400_000).toISOString()]]);
    expect(pushes[0]!.evidence.reasons).toEqual(['5 denied MFA pushes within 10 min']);
    // The victim's own sign-in at home is not the attacker's; one from the address the pushes came from is.
    expect(s.observe(signIn(540))).toEqual([]);
    const success = s.observe(signIn(560, { auth_method: 'push', mfa: true, src_ip: '45.9.9.7' }));
    expect(success.map((a) => [a.type, a.kind, a.severity, a.key])).toEqual([
      ['mfa_fatigue', 'mfa-fatigue-success', 'high', 'principal:ann'],
    ]);
    expect(success[0]!.evidence.events).toHaveLength(6);
    expect(s.observe(signIn(600, { src_ip: '45.9.9.7' }))).toEqual([]);
  });

  it('stays quiet for four denied pushes, or five spread over more than 10 minutes', () => {
    const s = new MfaFatigueScorer();
    expect([0, 60, 120, 180].flatMap((t) => s.observe(push(t)))).toEqual([]);
    expect(s.observe(signIn(200))).toEqual([]);
    const slow = new MfaFatigueScorer();
    expect([0, 200, 400, 600, 800, 1000].flatMap((t) => slow.observe(push(t)))).toEqual([]);
  });

  it("counts again after a sign-in from where the pushes were asked: a busy user's stray denials never add up", () => {
    // A user who turns a push down now and then, and signs in from the same network between them.
    const own = (seconds: number) => push(seconds);
    const s = new MfaFatigueScorer();
    const found = [0, 60, 120, 180, 240, 300, 360].flatMap((t) => [
      ...s.observe(own(t)),
      ...s.observe(signIn(t + 30, { src_ip: '45.9.9.8' })),
    ]);
    expect(found).toEqual([]);
    // Without the sign-ins, the same pushes are a fatigue, and the next sign-in from there a likely compromise.
    const bare = new MfaFatigueScorer();
    const pushes = [0, 60, 120, 180, 240, 300, 360].flatMap((t) => bare.observe(own(t)));
    expect(pushes.map((a) => a.kind)).toEqual(['mfa-fatigue']);
    expect(bare.observe(signIn(390, { src_ip: '45.9.9.8' })).map((a) => a.kind)).toEqual(['mfa-fatigue-success']);
    // A sign-in answers only the pushes before it: the ones that came later (read out of order) still count.
    const late = new MfaFatigueScorer();
    expect([0, 60, 200, 260].flatMap((t) => late.observe(own(t)))).toEqual([]);
    expect(late.observe(signIn(100, { src_ip: '45.9.9.8' }))).toEqual([]);
    // 200, 260, 320, 380: four (with the answered two, 320 would have made six); a fifth makes the fatigue.
    expect([320, 380].flatMap((t) => late.observe(own(t)))).toEqual([]);
    expect(late.observe(own(440)).map((a) => [a.kind, a.evidence.reasons[0]])).toEqual([
      ['mfa-fatigue', '5 denied MFA pushes within 10 min'],
    ]);
  });
});

describe('session hijack', () => {
  const session = { session_id: 'sess-1' };
  it('raises when a script uses the session from another network after its sign-in', () => {
    const s = new SessionHijackScorer();
    expect(s.observe(signIn(0, { ...session, user_agent: 'Mozilla/5.0 Firefox/132.0' }))).toEqual([]);
    expect(s.observe(allow(30, { ...session, src_ip: '81.2.69.77', user_agent: 'Mozilla/5.0 Firefox/132.0' }))).toEqual([]);
    // A script on the same network (the user's own tooling) is not a hijack; from elsewhere it is.
    expect(s.observe(allow(60, { ...session, src_ip: '81.2.69.78', user_agent: 'curl/8.5.0' }))).toEqual([]);
    const found = s.observe(allow(120, { ...session, src_ip: '185.1.2.3', user_agent: 'python-requests/2.32.3' }));
    expect(found.map((a) => [a.type, a.kind, a.key, a.severity])).toEqual([['session_hijack', 'session-hijack', 'session:sess-1', 'high']]);
    expect(found[0]!.evidence.baseline).toMatchObject({
      principal: 'ann',
      network: '81.2.69.0/24',
      user_agent: 'Mozilla/5.0 Firefox/132.0',
    });
    expect(s.observe(allow(140, { ...session, src_ip: '185.1.2.3', user_agent: 'Go-http-client/1.1' }))).toEqual([]);
  });

  it('stays quiet for a browser on another network (a person moving) and for a session a script signed in', () => {
    const s = new SessionHijackScorer();
    s.observe(signIn(0, { ...session, user_agent: 'Mozilla/5.0 Firefox/132.0' }));
    expect(s.observe(allow(60, { ...session, src_ip: '185.1.2.3', user_agent: 'Mozilla/5.0 Firefox/132.0' }))).toEqual([]);
    const script = new SessionHijackScorer();
    script.observe(signIn(0, { session_id: 'sess-2', user_agent: 'Go-http-client/1.1' }));
    expect(script.observe(allow(60, { session_id: 'sess-2', src_ip: '185.1.2.3', user_agent: 'Go-http-client/1.1' }))).toEqual([]);
  });
});

describe('impossible travel', () => {
  it('raises for sign-ins from France and Japan 30 minutes apart, not for France then Germany', () => {
    const s = new ImpossibleTravelScorer();
    expect(s.observe(signIn(0))).toEqual([]);
    expect(s.observe(signIn(600, { geo_country: 'DE' }))).toEqual([]);
    const found = s.observe(signIn(2400, { geo_country: 'JP', src_ip: '45.1.1.1' }));
    expect(found.map((a) => [a.type, a.kind, a.key])).toEqual([['impossible_travel', 'impossible-travel', 'principal:ann']]);
    expect(found[0]!.evidence.reasons[0]).toMatch(/^signed in from DE then JP 30 min later: at least \d+ km, \d+ km\/h$/);
    // The same trip over a day is possible; Okta's country names are read as well as ISO codes.
    const slow = new ImpossibleTravelScorer();
    slow.observe(signIn(0, { geo_country: 'United States' }));
    expect(slow.observe(signIn(86_400, { geo_country: 'JP' }))).toEqual([]);
    expect(slow.observe(signIn(87_000, { geo_country: 'United States' }))).toHaveLength(1);
    expect(DEFAULT_IMPOSSIBLE_TRAVEL.maxSpeedKmh).toBe(1000);
  });
});

describe('allowed while non-compliant', () => {
  const posture = (seconds: number, failed: string[], device = 'dev-1') =>
    event(
      {
        kind: 'posture',
        principal_id: 'ann',
        device_id: device,
        compliant: failed.length === 0,
        agent_version: '3.1.0',
        checks: ['disk_encryption', 'edr_running', 'screen_lock'].map((name) => ({ name, passed: !failed.includes(name) })),
      },
      seconds,
    );

  it('raises when a device that failed a required check is allowed', () => {
    const s = new NoncompliantAccessScorer();
    expect(s.observe(posture(0, ['disk_encryption']))).toEqual([]);
    expect(s.observe(allow(10, { device_id: 'dev-1', decision: 'deny' }))).toEqual([]);
    const found = s.observe(allow(20, { device_id: 'dev-1' }));
    expect(found.map((a) => [a.type, a.kind, a.key])).toEqual([['noncompliant_access', 'allowed-while-noncompliant', 'device:dev-1']]);
    expect(found[0]!.evidence.baseline).toMatchObject({ failed_checks: ['disk_encryption'], agent_version: '3.1.0' });
    expect(s.observe(allow(30, { device_id: 'dev-1' }))).toEqual([]);
    // Fixed: allowed again without a word; a failed check that is not required is not a gap.
    expect(s.observe(posture(40, []))).toEqual([]);
    expect(s.observe(allow(50, { device_id: 'dev-1' }))).toEqual([]);
    expect(s.observe(posture(60, ['screen_lock']))).toEqual([]);
    expect(s.observe(allow(70, { device_id: 'dev-1' }))).toEqual([]);
  });

  it('raises a device that keeps reporting the same failed checks once, and again when they change, after a pass or a silence', () => {
    const s = new NoncompliantAccessScorer();
    const raisedAt = (seconds: number) => s.observe(allow(seconds, { device_id: 'dev-1' })).length;
    s.observe(posture(0, ['disk_encryption']));
    expect(raisedAt(20)).toBe(1);
    // Agents report every few minutes: the same failure again is the same gap.
    s.observe(posture(300, ['disk_encryption']));
    expect(raisedAt(320)).toBe(0);
    s.observe(posture(600, ['disk_encryption', 'edr_running']));
    expect(raisedAt(620)).toBe(1);
    s.observe(posture(900, []));
    s.observe(posture(1200, ['disk_encryption', 'edr_running']));
    expect(raisedAt(1220)).toBe(1);
    // Silent longer than a report holds (30 min): a report after it starts afresh.
    s.observe(posture(1200 + 31 * 60, ['disk_encryption', 'edr_running']));
    expect(raisedAt(1220 + 31 * 60)).toBe(1);
  });

  it('stays quiet for a decision within the second of a report timed to the second: it may have come first', () => {
    const s = new NoncompliantAccessScorer();
    expect(s.observe(posture(100, ['disk_encryption']))).toEqual([]);
    expect(s.observe(allow(100.6, { device_id: 'dev-1' }))).toEqual([]);
    expect(s.observe(allow(101, { device_id: 'dev-1' }))).toHaveLength(1);
  });

  it('believes a pass of two reports within a second when one is stamped to the second: which came last is unknown', () => {
    const s = new NoncompliantAccessScorer();
    // An agent's failed report at .203, then ZPA's passing status stamped to that second (sent at .483).
    expect(s.observe(posture(200.203, ['disk_encryption'], 'dev-a'))).toEqual([]);
    expect(s.observe(posture(200, [], 'dev-a'))).toEqual([]);
    expect(s.observe(allow(216, { device_id: 'dev-a' }))).toEqual([]);
    // The same two in time order (a batch is scored so): ZPA's pass first, held for what follows in its second.
    expect(s.observe(posture(300, [], 'dev-b'))).toEqual([]);
    expect(s.observe(posture(300.203, ['disk_encryption'], 'dev-b'))).toEqual([]);
    expect(s.observe(allow(316, { device_id: 'dev-b' }))).toEqual([]);
    // Stamped to the millisecond, their order is known: the later failure stands.
    expect(s.observe(posture(400.1, ['disk_encryption'], 'dev-c'))).toEqual([]);
    expect(s.observe(posture(400.3, [], 'dev-c'))).toEqual([]);
    expect(s.observe(posture(400.5, ['disk_encryption'], 'dev-c'))).toEqual([]);
    expect(s.observe(allow(416, { device_id: 'dev-c' }))).toHaveLength(1);
    // A second apart, a failure after ZPA's pass stands too.
    expect(s.observe(posture(500, [], 'dev-d'))).toEqual([]);
    expect(s.observe(posture(501.2, ['disk_encryption'], 'dev-d'))).toEqual([]);
    expect(s.observe(allow(516, { device_id: 'dev-d' }))).toHaveLength(1);
  });
});

describe('new device or country', () => {
  it('learns a principal from its first events, then notes a new device or country, low', () => {
    const s = new NewContextScorer({ ...DEFAULT_NEW_CONTEXT, learnEvents: 3 });
    const learnt = [0, 1, 2].flatMap((t) => s.observe(signIn(t, { device_id: t === 1 ? 'dev-2' : 'dev-1' })));
    expect(learnt).toEqual([]);
    expect(s.observe(signIn(10, { device_id: 'dev-2' }))).toEqual([]);
    const found = s.observe(signIn(20, { device_id: 'dev-3', geo_country: 'BR' }));
    expect(found.map((a) => [a.type, a.kind, a.score, a.severity])).toEqual([['new_context', 'new-country', 50, 'medium']]);
    expect(s.observe(signIn(30, { device_id: 'dev-9' })).map((a) => [a.kind, a.score, a.severity])).toEqual([['new-device', 20, 'low']]);
  });
});

describe('a service credential used from somewhere new (a leaked secret)', () => {
  const service = (seconds: number, extra: Record<string, unknown> = {}) =>
    signIn(seconds, {
      principal_id: 'svc-etl',
      principal_type: 'service',
      src_ip: '52.10.20.7',
      asn: 16509,
      geo_country: 'US',
      device_id: undefined,
      ...extra,
    });

  it('learns a service from its first sign-ins, then raises a new network medium, a new operator and country critical, once each', () => {
    const s = new ServiceCredentialScorer({ ...DEFAULT_SERVICE_CREDENTIAL, learnEvents: 3 });
    expect([0, 1, 2].flatMap((t) => s.observe(service(t, { src_ip: `52.10.20.${t + 1}` })))).toEqual([]);
    expect(s.observe(service(10, { src_ip: '52.10.20.99' }))).toEqual([]);
    const moved = s.observe(service(20, { src_ip: '52.10.21.4' }));
    expect(moved.map((a) => [a.type, a.kind, a.key, a.score, a.severity])).toEqual([
      ['secret_leak', 'service-new-network', 'principal:svc-etl', 55, 'medium'],
    ]);
    const leaked = s.observe(service(30, { src_ip: '185.7.7.7', asn: 14061, geo_country: 'NG' }));
    expect(leaked.map((a) => [a.kind, a.score, a.severity])).toEqual([['service-new-country', 100, 'critical']]);
    expect(leaked[0]!.evidence.baseline).toMatchObject({ countries: ['US'], asns: ['AS16509'] });
    // Its further uses from there are what it knows now: raised once.
    expect(s.observe(service(60, { src_ip: '185.7.7.8', asn: 14061, geo_country: 'NG' }))).toEqual([]);
  });

  it("learns a scheduled service's hours over days, then raises a sign-in at an hour it never used, low, once", () => {
    const s = new ServiceCredentialScorer({ ...DEFAULT_SERVICE_CREDENTIAL, learnEvents: 3 });
    const DAY = 24 * 3600;
    // T0 is 10:00 UTC: a nightly job at 02:00 and 03:00 for eight days, from the same place.
    const nightly = [...Array(8).keys()].flatMap((d) => [16, 17].map((h) => d * DAY + h * 3600));
    expect(nightly.flatMap((t) => s.observe(service(t)))).toEqual([]);
    // Before the seventh day an odd hour is still being learnt; after it, 14:00 is off its schedule.
    const early = new ServiceCredentialScorer({ ...DEFAULT_SERVICE_CREDENTIAL, learnEvents: 3 });
    nightly.slice(0, 8).forEach((t) => early.observe(service(t)));
    expect(early.observe(service(4 * DAY + 4 * 3600))).toEqual([]);
    const odd = s.observe(service(8 * DAY + 4 * 3600));
    expect(odd.map((a) => [a.type, a.kind, a.score, a.severity])).toEqual([['secret_leak', 'service-unusual-hour', 45, 'low']]);
    expect(odd[0]!.evidence.reasons).toEqual(['service credential used at hour 14:00 UTC, an hour it never signed in at']);
    expect(odd[0]!.evidence.baseline).toMatchObject({ usual_hours_utc: [2, 3] });
    expect(s.observe(service(9 * DAY + 4 * 3600))).toEqual([]);
    // At an odd hour from a new country too: the country names it, the hour adds to its score.
    expect(
      s.observe(service(9 * DAY + 8 * 3600, { src_ip: '185.7.7.7', asn: 14061, geo_country: 'NG' })).map((a) => [a.kind, a.score]),
    ).toEqual([['service-new-country', 100]]);
  });

  it('does not judge the hours of a service that runs around the clock', () => {
    const s = new ServiceCredentialScorer({ ...DEFAULT_SERVICE_CREDENTIAL, learnEvents: 3 });
    // Every second hour for eight days: 12 hours of the day.
    const everyOther = [...Array(8 * 12).keys()].map((k) => k * 2 * 3600);
    expect(everyOther.flatMap((t) => s.observe(service(t)))).toEqual([]);
    expect(s.observe(service(8 * 24 * 3600 + 3600)).map((a) => a.kind)).toEqual(['service-unusual-hour']);
    const busier = new ServiceCredentialScorer({ ...DEFAULT_SERVICE_CREDENTIAL, learnEvents: 3, maxUsualHours: 11 });
    everyOther.forEach((t) => busier.observe(service(t)));
    expect(busier.observe(service(8 * 24 * 3600 + 3600))).toEqual([]);
  });

  it('judges services only, and only what was let in', () => {
    const s = new ServiceCredentialScorer({ ...DEFAULT_SERVICE_CREDENTIAL, learnEvents: 1 });
    s.observe(service(0));
    s.observe(signIn(0));
    expect(s.observe(signIn(10, { src_ip: '185.7.7.7', geo_country: 'NG' }))).toEqual([]);
    expect(s.observe(service(20, { outcome: 'failure', src_ip: '185.7.7.7', geo_country: 'NG' }))).toEqual([]);
    expect(s.observe(service(30, { src_ip: '185.7.7.7', geo_country: 'NG' })).map((a) => a.kind)).toEqual(['service-new-country']);
  });
});

describe('a batch read from several topics (issue 14)', () => {
  it("scores a batch in event-time order: a principal's policy denials an hour ahead do not push its failed logins out of the window", () => {
    // One process reading a backlog: the batch holds the policy topic's chunk (bob's denials up to
    // 50 minutes on, three a minute) before the auth topic's (his password guessed at minute 0, 30 a minute).
    const denials = Array.from({ length: 150 }, (_, i) =>
      event(
        {
          kind: 'policy',
          decision: 'deny',
          principal_id: 'bob',
          app: 'wiki',
          policy_id: 'p',
          policy_version: 'v1',
          reasons: ['outside allowed hours'],
        },
        60 + i * 20,
      ),
    );
    const guesses = Array.from({ length: 30 }, (_, i) => fail('bob', i * 2));
    const raised = score(createScorers(), [...denials, ...guesses]);
    expect(raised.filter((a) => a.key === 'principal:bob').map((a) => [a.kind, a.time])).toEqual([
      ['brute-force', new Date(T0).toISOString()],
    ]);
  });
});

describe('one incident per attack', () => {
  it('raises a brute force once: the principal, its network and the app surge joined, the most specific kind kept', () => {
    const scorers = createScorers();
    // The app has a quiet history, then one principal's password is guessed from one address.
    const history = Array.from({ length: 40 }, (_, m) => fail(`u${m}`, m * 60, { src_ip: `10.${m}.0.1` }));
    expect(score(scorers, history)).toEqual([]);
    const attack = Array.from({ length: 40 }, (_, i) => fail('bob', 2400 + i));
    const published = score(scorers, attack);
    const ids = new Set(published.map((a) => a.anomaly_id));
    expect(ids.size).toBe(1);
    const incident = published.at(-1)!;
    expect([incident.type, incident.kind, incident.key]).toEqual(['denial_burst', 'brute-force', 'principal:bob']);
    expect(incident.evidence.related!.map((r) => [r.type, r.key])).toEqual(
      expect.arrayContaining([
        ['denial_burst', 'src_net:45.9.9.0/24'],
        ['denial_burst', 'app:vpn'],
      ]),
    );
  });

  it('turns a spray into credential stuffing when the stuffing scorer names the same source', () => {
    const scorers = createScorers();
    const published = score(
      scorers,
      Array.from({ length: 20 }, (_, i) => fail(`user${i}`, i)),
    );
    const last = [...new Map(published.map((a) => [a.anomaly_id, a])).values()];
    expect(last.map((a) => [a.type, a.kind, a.key])).toEqual([['denial_burst', 'credential-stuffing', 'src_net:45.9.9.0/24']]);
    expect(last[0]!.evidence.related!.map((r) => r.type)).toEqual(['credential_stuffing']);
  });

  it('raises MFA fatigue followed by a success as one high incident, higher still from a new device', () => {
    const scorers = createScorers({ newContext: { learnEvents: 2 } });
    score(scorers, [signIn(0), signIn(1)]);
    const pushes = [0, 20, 40, 60, 80].map((t) =>
      fail('ann', 100 + t, { auth_method: 'push', mfa: true, failure_reason: 'mfa push rejected' }),
    );
    const raised = score(scorers, pushes);
    expect(raised.map((a) => [a.kind, a.severity])).toEqual([['mfa-fatigue', 'medium']]);
    const accepted = score(scorers, [signIn(200, { auth_method: 'push', mfa: true, device_id: 'dev-evil', src_ip: '45.9.9.9' })]);
    const incident = accepted.find((a) => a.anomaly_id === raised[0]!.anomaly_id)!;
    // 85 for the success, +15 for the new device the success came from.
    expect([incident.kind, incident.score, incident.severity]).toEqual(['mfa-fatigue-success', 100, 'critical']);
    expect(accepted.filter((a) => a.type === 'new_context').map((a) => a.kind)).toEqual(['new-device']);
  });

  it('raises a misconfigured rollout once with the surge of the same policy that emitters without its version tell', () => {
    const scorers = createScorers();
    // The crm policy denies two a minute, told by an enforcement point that does not say the version.
    const deny = (i: number, seconds: number, version?: string) =>
      event(
        {
          kind: 'policy',
          decision: 'deny',
          principal_id: `u${i}`,
          src_ip: `10.${i % 250}.${Math.floor(i / 250)}.1`,
          app: 'crm',
          policy_id: 'ztna/crm/allow',
          ...(version ? { policy_version: version } : {}),
        },
        seconds,
      );
    const history = Array.from({ length: 70 }, (_, i) => deny(i, Math.floor(i / 2) * 60 + (i % 2)));
    expect(score(scorers, history)).toEqual([]);
    // Version v2 rolls out and denies most: the unversioned emitter surges, then the versioned one.
    const unversioned = Array.from({ length: 25 }, (_, i) => deny(100 + i, 35 * 60 + i));
    const versioned = Array.from({ length: 15 }, (_, i) => deny(200 + i, 35 * 60 + 30 + i, 'v2'));
    const published = score(scorers, [...unversioned, ...versioned]);
    const last = [...new Map(published.map((a) => [a.anomaly_id, a])).values()];
    expect(last.map((a) => [a.kind, a.key])).toEqual([['misconfigured-rollout', 'policy:ztna/crm/allow@']]);
    expect(last[0]!.evidence.related!.map((r) => [r.kind, r.key])).toEqual(
      expect.arrayContaining([['misconfigured-rollout', 'policy:ztna/crm/allow@v2']]),
    );
  });
});

describe('an incident that goes on', () => {
  const travel = (i: number): Anomaly => ({
    anomaly_id: `travel-${i}`,
    type: 'impossible_travel',
    kind: 'impossible-travel',
    score: 80,
    severity: 'high',
    tenant: 't',
    key: 'principal:svc-backup',
    time: new Date(T0 + i * 15_000).toISOString(),
    evidence: { reasons: [`signed in from BR then NG 0 min later: ${1000 + i} km/h`], events: [], baseline: {} },
  });

  it('keeps its first 20 reasons and every related anomaly, however many join it; a boost still says why', () => {
    const incidents = new Incidents();
    let last: Anomaly | undefined;
    for (let i = 0; i < 100; i++) last = incidents.merge([travel(i)]).at(-1);
    expect(last!.anomaly_id).toBe('travel-0');
    expect(last!.evidence.reasons).toEqual(Array.from({ length: 20 }, (_, i) => travel(i).evidence.reasons[0]));
    expect(last!.evidence.related).toHaveLength(99);
    const signal: Anomaly = { ...travel(100), anomaly_id: 'new-country', type: 'new_context', kind: 'new-country', score: 30 };
    signal.evidence = { ...signal.evidence, reasons: ['new country NG for the principal'] };
    const boosted = incidents.merge([signal]).find((a) => a.anomaly_id === 'travel-0')!;
    expect(boosted.evidence.reasons).toHaveLength(20);
    expect(boosted.evidence.reasons.at(-1)).toBe('new country NG for the principal (score +15)');
  });
});

describe("the detections' state", () => {
  it('holds at most the cap and forgets idle keys, their slots and strings freed', () => {
    // A new session every 100 ms for 200,000 sessions (5.5 hours of event time): capped at 50,000, idle after an hour.
    const capped = SCORERS.session_hijack.create({ maxKeys: 50_000 });
    const idle = SCORERS.session_hijack.create({ idleMs: 3600_000 });
    const base = signIn(0, { session_id: 's', user_agent: 'Mozilla/5.0 Firefox/132.0' });
    for (let i = 0; i < 200_000; i++) {
      const e = {
        ...base,
        event_id: `e-${i}`,
        time: new Date(T0 + i * 100).toISOString(),
        session_id: `sess-${i}`,
        principal_id: `user${i}`,
        src_ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      } as CanonicalEvent;
      capped.observe(e);
      idle.observe(e);
    }
    expect([capped.keys.size, capped.keys.evictions, capped.keys.held.slots]).toEqual([50_000, 150_000, 50_000]);
    // Each session its principal and /24 network, the one tenant and user agent.
    const networks = new Set(Array.from({ length: 50_000 }, (_, k) => (199_999 - k) >> 8)).size;
    expect(capped.keys.held.strings).toBe(50_000 + networks + 2);
    // An hour of sessions, and at most the thousand observed between two sweeps.
    expect(idle.keys.size).toBeGreaterThanOrEqual(36_000);
    expect(idle.keys.size).toBeLessThanOrEqual(37_000);
    expect(idle.keys.held.slots).toBe(idle.keys.size);
  });

  it("frees the string cells of the keys it forgets: a stuffing source's recent principals", () => {
    // Source networks tried for 3 users each, capped at 1,000 (the recent attempts' principals kept per key, not interned);
    // then 1,000 more tried once each, in the slots of those forgotten.
    const s = SCORERS.credential_stuffing.create({ maxKeys: 1_000 });
    const tried = (n: number, users: number) => {
      for (let u = 0; u < users; u++) s.observe(fail(`user${u}-${n}`, n, { src_ip: `45.${n >> 8}.${n & 255}.${1 + u}` }));
    };
    for (let n = 0; n < 5_000; n++) tried(n, 3);
    expect([s.keys.size, s.keys.held.slots, s.keys.held.cells]).toEqual([1_000, 1_000, 3_000]);
    for (let n = 5_000; n < 6_000; n++) tried(n, 1);
    expect([s.keys.size, s.keys.held.slots, s.keys.held.cells]).toEqual([1_000, 1_000, 1_000]);
    expect(s.keys.held.strings).toBe(1); // the tenant: no network and no principal interned
  });
});
