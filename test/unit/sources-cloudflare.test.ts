// Cloudflare Access requests and Gateway HTTP logs as Logpush writes them: the project's fixtures
// (one record per mapping) and the real Logpush samples in ../shared/samples/sources, field by field.
import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeRecord, type NormalizeOutcome } from '../../src/events/index.js';
import { fixtureLines, normalizeOptions, sampleFiles, skipWithoutSamples } from '../support/helpers.js';

const normalizeAll = (lines: string[], observedTime?: string): NormalizeOutcome[] =>
  lines.map((line) => normalizeRecord(line, normalizeOptions(observedTime ? { observedTime } : {})));
const eventsIn = (outcomes: NormalizeOutcome[]) => outcomes.flatMap((o) => (o.status === 'normalized' ? [o.event] : []));

describe.each(['cloudflare_access', 'cloudflare_gateway'])('%s fixture', (source) => {
  it('gives every event its own id, the same whenever it is normalized', () => {
    const ids = eventsIn(normalizeAll(fixtureLines(source))).map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(eventsIn(normalizeAll(fixtureLines(source), '2030-01-01T00:00:00.000Z')).map((e) => e.event_id)).toEqual(ids);
  });
});

describe('Cloudflare Access fixture', () => {
  const outcomes = normalizeAll(fixtureLines('cloudflare_access'));
  const [allowed, denied, logout] = eventsIn(outcomes);

  it('normalizes logins and logouts with no reject; another action is skipped by its name', () => {
    expect(outcomes).toHaveLength(4);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(outcomes.filter((o) => o.status === 'skipped')).toEqual([{ status: 'skipped', source: 'cloudflare_access', eventType: 'sso' }]);
  });

  it("maps a login to Access's decision on the application, the email lower-cased and the country in capitals", () => {
    expect(allowed).toMatchObject({
      kind: 'policy',
      source: 'cloudflare_access',
      ocsf_class_uid: 3003,
      time: '2026-11-20T08:16:45.000Z',
      tenant: 'default',
      emitter_id: 'cloudflare-access',
      correlation_id: '8a1fixture0001ab',
      principal_id: 'alice.nguyen@example.com',
      principal_type: 'user',
      src_ip: '203.0.113.24',
      geo_country: 'NL',
      app: 'payroll.example.com',
      decision: 'allow',
      policy_id: '6f2b9c1e-0a4d-4e8f-9b3a-1c2d3e4f5a61',
      action: 'login',
      enforcement_point: 'cloudflare-access',
      reasons: [],
    });
    expect(denied).toMatchObject({
      decision: 'deny',
      time: '2026-11-20T08:20:30.000Z',
      src_ip: '2001:db8::66',
      app: 'admin.example.com/console',
    });
  });

  it('maps a logout to auth (Logoff) through the identity provider connection, with a nanosecond time', () => {
    expect(logout).toMatchObject({
      kind: 'auth',
      ocsf_class_uid: 3002,
      ocsf_activity_id: 2,
      outcome: 'success',
      idp: 'okta',
      auth_method: 'okta',
      time: '2026-11-20T08:30:00.123Z',
      principal_id: 'alice.nguyen@example.com',
    });
  });
});

describe('Cloudflare Gateway HTTP fixture', () => {
  const outcomes = normalizeAll(fixtureLines('cloudflare_gateway'));
  const [allowed, blocked, isolated, unknown] = eventsIn(outcomes);

  it('normalizes every request with no reject and no skip', () => {
    expect(outcomes).toHaveLength(4);
    expect(outcomes.filter((o) => o.status !== 'normalized')).toEqual([]);
  });

  it("maps each request to the gateway's decision with who, which device, from where, to which host", () => {
    expect(allowed).toMatchObject({
      kind: 'policy',
      source: 'cloudflare_gateway',
      time: '2026-11-20T08:40:00.000Z',
      emitter_id: 'cloudflare-gateway:0123456789abcdef0123456789abcdef',
      correlation_id: '1f2e3d4c5b6a00001fixture00000001',
      principal_id: 'dave.okafor@example.com',
      principal_type: 'user',
      device_id: '9e8d7c6b-5a4f-11ef-9a1b-0242ac120002',
      src_ip: '198.51.100.12',
      user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
      app: 'payroll.example.com',
      decision: 'allow',
      action: 'GET',
      reasons: [],
      enforcement_point: 'cloudflare-gateway',
    });
    expect(allowed).not.toHaveProperty('policy_id');
  });

  it('maps a block to a deny with its policy and the blocked file as the reason; an isolated request went through', () => {
    expect(blocked).toMatchObject({
      decision: 'deny',
      time: '2026-11-20T08:41:00.000Z',
      policy_id: 'c0ffee00-1111-4222-8333-444455556666',
      rule: 'Block malware downloads',
      reasons: ['file blocked: malware'],
      app: 'files.example.net',
    });
    expect(isolated).toMatchObject({ decision: 'allow', time: '2026-11-20T08:42:00.000Z', rule: 'Isolate uncategorized', reasons: [] });
  });

  it('maps an action it cannot read to an error, and a request without identity to no principal', () => {
    expect(unknown).toMatchObject({ decision: 'error', reasons: ['gateway action unknown'], src_ip: '2001:db8::77' });
    expect(unknown).not.toHaveProperty('principal_id');
    expect(unknown).not.toHaveProperty('principal_type');
    expect(unknown).not.toHaveProperty('device_id');
  });
});

describe('Cloudflare Logpush samples', () => {
  beforeEach(skipWithoutSamples);
  const files = sampleFiles('sources');

  it('Access requests: one login written with its time as ISO with an offset, epoch seconds and nanoseconds is one event', () => {
    const outcomes = normalizeAll(files['cloudflare_logpush-access_request.ndjson']!);
    expect(outcomes.filter((o) => o.status !== 'normalized')).toEqual([]);
    const events = eventsIn(outcomes);
    expect(events).toHaveLength(3);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(1);
    for (const event of events) {
      expect(event).toMatchObject({
        kind: 'policy',
        source: 'cloudflare_access',
        time: '2023-05-23T17:18:33.000Z',
        principal_id: 'user@example.com',
        principal_type: 'user',
        src_ip: '67.43.156.93',
        geo_country: 'US',
        app: 'partner-zt-logs.cloudflareaccess.com/warp',
        decision: 'allow',
        policy_id: '123e4567-e89b-12d3-a456-426614174000',
        action: 'login',
        correlation_id: '00c0ffeeabc12345',
      });
    }
  });

  it('Gateway HTTP: the blocked download is a deny by its policy, with the device, whatever form its time takes', () => {
    const outcomes = normalizeAll(files['cloudflare_logpush-gateway_http.ndjson']!);
    expect(outcomes.filter((o) => o.status !== 'normalized')).toEqual([]);
    const events = eventsIn(outcomes);
    expect(events).toHaveLength(3);
    for (const event of events) {
      expect(event).toMatchObject({
        kind: 'policy',
        source: 'cloudflare_gateway',
        time: '2023-05-03T20:55:05.000Z',
        emitter_id: 'cloudflare-gateway:e1836771179f98aabb828da5ea69a348',
        principal_id: 'user@example.com',
        device_id: '083a8354-d56c-11ed-9771-6a842b100cff',
        src_ip: '67.43.156.2',
        app: 'guce.yahoo.com',
        decision: 'deny',
        policy_id: '85063bec-74cb-4546-85a3-e0cde2cdfda2',
        rule: 'Block Yahoo',
        action: 'GET',
        reasons: ['file blocked: malware'],
        correlation_id: '1884fec9b600007fb06a299400000001',
      });
    }
  });
});
