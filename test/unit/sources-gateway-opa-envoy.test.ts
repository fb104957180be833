// OPA as Envoy's external authorizer: the decision on the request's method and path from its source
// address, and the bearer token it presents kept only as its HMAC. Records made from the project's
// OPA-Envoy fixture, and the real decision logs in ../shared/samples/sources.
import { beforeEach, describe, expect, it } from 'vitest';
import { normalizeRecord, tokenFingerprint, type CanonicalEvent } from '../../src/events/index.js';
import { fixtureLines, HMAC_KEY, normalizeOptions, sampleFiles, skipWithoutSamples } from '../support/helpers.js';

const normalized = (record: unknown, hmacKey = HMAC_KEY): CanonicalEvent => {
  const outcome = normalizeRecord(
    typeof record === 'string' ? record : JSON.stringify(record),
    normalizeOptions({ hmacKey: Buffer.from(hmacKey) }),
  );
  if (outcome.status !== 'normalized') throw new Error(`not normalized: ${JSON.stringify(outcome)}`);
  return outcome.event;
};

const envoyLine = fixtureLines('opa').find((line) => line.includes('"envoy/authz/allow"'))!;
const FIXTURE_BEARER = 'fixture-opaque-access-token-not-a-secret';
const JWT =
  'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmaXh0dXJlLXVzZXIiLCJleHAiOjE3OTUxNjUyMDB9.c2lnbmF0dXJlLW9mLXRoZS1maXh0dXJlLXRva2VuLW5vdC1hLXNlY3JldA';

/** The parts of an OPA-Envoy decision log the tests change. */
interface EnvoyDecision {
  decision_id: string;
  timestamp?: string;
  input: {
    attributes: {
      source: { address: { socketAddress: { address: string; portValue: number } } };
      request: { time?: unknown; http: Record<string, unknown> & { headers: Record<string, string> } };
    };
  };
}

/** The fixture's Envoy check request with its HTTP request changed. */
function envoyRecord(
  http: { path?: string; headers?: Record<string, string> },
  change: (record: EnvoyDecision) => void = () => {},
): EnvoyDecision {
  const record = JSON.parse(envoyLine) as EnvoyDecision;
  const request = record.input.attributes.request;
  request.http = { ...request.http, ...http, headers: { ...request.http.headers, ...http.headers } };
  change(record);
  return record;
}

/** Every string anywhere in a value, keys included. */
const texts = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.flatMap(texts)
      : value !== null && typeof value === 'object'
        ? Object.entries(value).flatMap(([k, v]) => [k, ...texts(v)])
        : [];

describe('OPA as the Envoy external authorizer', () => {
  it("maps the check to the decision on the request's method and path, from its source address, the bearer token as its HMAC", () => {
    const event = normalized(envoyLine);
    expect(event).toMatchObject({
      kind: 'policy',
      source: 'opa',
      decision: 'allow',
      policy_id: 'envoy/authz/allow',
      action: 'GET /api/payslips/2026-10',
      src_ip: '203.0.113.24',
      app: 'payroll.example.com',
      user_agent: expect.stringContaining('Version/17.6 Safari/605.1.15'),
      correlation_id: '12086237118591766712',
      session_id: tokenFingerprint(Buffer.from(HMAC_KEY), FIXTURE_BEARER),
      // OPA's whole answer to Envoy, which held the request for it; the evaluation alone is less.
      request_latency_ms: 2.3104,
      eval_latency_ms: 1.843211,
    });
  });

  it('never stores the raw bearer token: no field of the normalized event holds it or any part of it', () => {
    const record = envoyRecord(
      { path: `/api/payslips?access_token=${JWT}`, headers: { authorization: `Bearer ${JWT}`, 'x-forwarded-for': '198.51.100.7' } },
      (r) => (r.input.attributes.source.address.socketAddress = { address: '2001:db8::7', portValue: 40112 }),
    );
    const event = normalized(record);
    const fields = texts(event);
    for (const secret of [JWT, ...JWT.split('.'), FIXTURE_BEARER]) {
      expect(fields.filter((text) => text.includes(secret))).toEqual([]);
    }
    expect(event).toMatchObject({
      action: 'GET /api/payslips',
      src_ip: '2001:db8::7',
      session_id: tokenFingerprint(Buffer.from(HMAC_KEY), JWT),
    });
  });

  it('gives one token one fingerprint across requests, another token another, and another key another', () => {
    const first = normalized(envoyRecord({ path: '/api/a' }, (r) => (r.decision_id = 'envoy-fixture-a')));
    const second = normalized(envoyRecord({ path: '/api/b' }, (r) => (r.decision_id = 'envoy-fixture-b')));
    const other = normalized(envoyRecord({ headers: { authorization: `Bearer ${JWT}` } }, (r) => (r.decision_id = 'envoy-fixture-c')));
    expect(second.session_id).toBe(first.session_id);
    expect(other.session_id).not.toBe(first.session_id);
    expect(normalized(envoyLine, 'another-hmac-key-0123456789abcdef01234').session_id).not.toBe(first.session_id);
  });

  it("reads Envoy's request time as a Timestamp of seconds and nanos when the log has no timestamp; no bearer leaves no session", () => {
    const event = normalized(
      envoyRecord({ headers: { authorization: 'Basic not-a-bearer' } }, (r) => {
        delete r.timestamp;
        r.input.attributes.request.time = { seconds: 1795165200, nanos: 482449000 };
      }),
    );
    expect(event.time).toBe('2026-11-20T09:00:00.482Z');
    expect(event).not.toHaveProperty('session_id');
  });
});

describe('OPA-Envoy decision log samples', () => {
  beforeEach(skipWithoutSamples);

  it("maps each decision with the request's path and source address; the sample's bearer token is only its HMAC", () => {
    const lines = sampleFiles('sources')['opa-envoy-decision_logs.ndjson']!;
    const outcomes = lines.map((line) => normalizeRecord(line, normalizeOptions()));
    expect(outcomes.map((o) => o.status)).toEqual(['normalized', 'normalized', 'normalized']);
    const [denied, allowed, withBearer] = lines.map((line) => normalized(line));
    expect(denied).toMatchObject({
      kind: 'policy',
      source: 'opa',
      time: '2021-05-04T01:21:18.197Z',
      emitter_id: '6e56bc11-a212-4c3e-be4d-b33186fd581d',
      correlation_id: '6079090369556950701',
      src_ip: '10.244.2.10',
      user_agent: 'Go-http-client/1.1',
      app: 'bookstore.bookstore:14001',
      decision: 'deny',
      policy_id: 'envoy/authz/allow',
      policy_version: '0.28.0-envoy',
      action: 'GET /books-bought',
      eval_latency_ms: 0.105799,
      request_latency_ms: 0.425097,
      reasons: [],
    });
    expect(denied).not.toHaveProperty('session_id');
    expect(allowed).toMatchObject({ decision: 'allow', action: 'GET /buy-a-book/new', time: '2021-05-04T02:01:35.816Z' });
    expect(withBearer).toMatchObject({
      decision: 'allow',
      time: '2025-11-28T16:02:27.495Z',
      src_ip: '127.0.0.1',
      app: 'localhost:8080',
      action: 'GET /api/test',
      policy_version: '1.11.0',
      session_id: tokenFingerprint(Buffer.from(HMAC_KEY), 'test-token'),
    });
    expect(texts(withBearer).filter((text) => text.includes('test-token'))).toEqual([]);
  });
});
