// The guide's rows on the real vendor records of ../shared/samples, where the records carry the
// fields: the time to re-evaluate a session (M5) from Okta's and Teleport's sessions, token
// lifetimes (M6) from Teleport's privilege token, the gateway request latency (F9) from ZPA's
// connection setup and OPA's answer as Envoy's authorizer, and a leaked service secret (F8) from
// Entra's service-principal sign-in, varied only where a leak would vary it. Skipped, saying
// where the samples were looked for, when ../shared is absent.
import { beforeEach, describe, expect, it } from 'vitest';
import { latestById } from '../../src/detect/evaluate.js';
import { score } from '../../src/detect/processor.js';
import { createScorers } from '../../src/detect/scorers.js';
import { normalizeRecord, type CanonicalEvent } from '../../src/events/index.js';
import { LATENCY_THRESHOLDS_MS } from '../../src/conventions.js';
import { latencyObservations } from '../../src/sli/definitions.js';
import { SessionReevaluation } from '../../src/sli/reevaluation.js';
import { tokenLifetime } from '../../src/sli/tokenLifetime.js';
import { normalizeOptions, sampleFiles, skipWithoutSamples } from '../support/helpers.js';

const samples = { ...sampleFiles(), ...sampleFiles('sources') };
type Json = Record<string, unknown>;

/** Every event a sample line normalizes to (the record's own and those it carries). */
function eventsOf(file: string, line: number, change: (r: Json) => void = () => {}): CanonicalEvent[] {
  const record = JSON.parse(samples[file]![line]!) as Json;
  change(record);
  const o = normalizeRecord(JSON.stringify(record), normalizeOptions());
  if (o.status !== 'normalized') throw new Error(`${file}:${line}: ${JSON.stringify(o)}`);
  return [o.event, ...(o.related ?? [])];
}

describe("the guide's rows on real vendor records", () => {
  beforeEach(skipWithoutSamples);

  it("M5: a session's re-evaluations, from Okta's sign-in and its sign-on policy, and Teleport's session events", () => {
    const reevaluation = new SessionReevaluation({ maxSessions: 100, idleMs: 86400_000 });
    const okta = [1, 2].flatMap((line) => eventsOf('okta-system-log.ndjson', line));
    const teleport = [8, 9].flatMap((line) => eventsOf('teleport-audit.ndjson', line));
    expect(new Set(okta.map((e) => e.session_id)).size).toBe(1);
    expect(okta.map((e) => reevaluation.observe(e))).toEqual([undefined, 0.044]);
    expect(teleport.map((e) => reevaluation.observe(e))).toEqual([undefined, 1]);
  });

  it("M6: the lifetime Teleport's privilege token was issued for", () => {
    const [issue] = eventsOf('teleport-audit.ndjson', 12);
    expect([issue!.kind, issue!.kind === 'token' && issue!.activity]).toEqual(['token', 'issue']);
    expect(tokenLifetime(issue!).lifetimeSeconds).toBeCloseTo(300, 2);
  });

  it("F9: the request latency ZPA and OPA as Envoy's authorizer report, each within the 1 s threshold", () => {
    const decisions = [
      ...eventsOf('zscaler_zpa-user_activity.ndjson', 0),
      ...[0, 1, 2].flatMap((line) => eventsOf('opa-envoy-decision_logs.ndjson', line)),
    ];
    const gateway = decisions.flatMap(latencyObservations).filter((o) => o.sli === 'gateway_request_latency');
    expect(gateway.map((o) => Number((o.seconds * 1000).toFixed(6)))).toEqual([192.397, 0.425097, 0.370797, 2.47875]);
    expect(gateway.every((o) => o.seconds * 1000 <= LATENCY_THRESHOLDS_MS.gateway_request_latency)).toBe(true);
  });

  it("F8: Entra's service principal, learnt from its usual address, then its secret used from another country", () => {
    const signIn = (i: number, ip: string, country: string) =>
      eventsOf('azure-signinlogs-service_principal.ndjson', 0, (r) => {
        const p = r.properties as Json & { location: Json };
        p.id = `sp-${i}`;
        p.createdDateTime = new Date(Date.parse('2022-02-08T06:22:28Z') + i * 3600_000).toISOString();
        p.ipAddress = ip;
        p.location = { ...p.location, countryOrRegion: country };
        r.callerIpAddress = ip;
        r.location = country;
      });
    const usual = Array.from({ length: 24 }, (_, i) => signIn(i, '1.128.3.4', 'IN')).flat();
    expect(usual[0]).toMatchObject({ principal_type: 'service', principal_id: 'Terraform-Datadog-CLI', geo_country: 'IN' });
    const scorers = createScorers();
    expect(latestById(score(scorers, usual))).toEqual([]);
    const leak = latestById(score(scorers, signIn(30, '185.220.101.4', 'NG')));
    expect(leak.map((a) => [a.kind, a.key])).toContainEqual(['service-new-country', 'principal:Terraform-Datadog-CLI']);
    expect(leak.find((a) => a.kind === 'service-new-country')!.evidence.reasons).toContain(
      'service credential used from a country NG it never used',
    );
  });
});
