// Detection quality on the labeled simulator, through the real pipeline on chDB: the floors
// the project promises (bench:detect prints the full table on a larger run).
import { beforeAll, describe, expect, it } from 'vitest';
import { latestById, matches } from '../../src/detect/evaluate.js';
import { parseScenarios } from '../../src/simulate/scenarios.js';
import { runDetection, type DetectionRun } from '../support/detection.js';
import { tempDir } from '../support/helpers.js';

const START = Date.parse('2026-11-20T08:00:00Z');

describe('anomaly detection on the labeled simulator', () => {
  let run: DetectionRun;
  beforeAll(async () => {
    run = await runDetection({
      seed: 2026,
      start: START,
      peakRate: 60,
      minBaselineEvents: 0,
      dataDir: tempDir('detection'),
      scenarios: parseScenarios(
        'token-replay@10m+12m,brute-force@14m+5m,password-spray@22m+5m,mfa-push-bombing@30m+5m,policy-misconfig@38m+6m,token-replay@46m+12m,idp-outage@50m+5m,token-replay@58m+12m,' +
          'credential-stuffing@72m+5m,mfa-fatigue@80m+6m,session-hijack@88m+6m,impossible-travel@96m+6m,noncompliant-allowed@104m+5m,new-device@112m+5m,' +
          'leaked-service-secret@120m+5m',
        START,
      ),
    });
  }, 600_000);

  it('finds every replayed token (recall 1.0) with precision ≥ 0.99', () => {
    const replays = run.evaluation.scenarios.filter((s) => s.scenario === 'token-replay');
    expect(replays).toHaveLength(3);
    expect(replays.every((s) => s.detected)).toBe(true);
    // Both tokens of each instance: the one used from elsewhere and after revocation, and the one used after expiry.
    const replayed = run.labels.filter((l) => l.scenario === 'token-replay').flatMap((l) => l.keys.token_id as string[]);
    expect(replayed).toHaveLength(2 * replays.length);
    // Each token an incident's, its own or joined to the other's (one theft, one incident).
    for (const id of replayed)
      expect(
        run.anomalies.some((a) => [a, ...(a.evidence.related ?? [])].some((f) => f.key === `token:${id}`)),
        id,
      ).toBe(true);
    expect(run.evaluation.byType.token_replay.precision!).toBeGreaterThanOrEqual(0.99);
  });

  it('detects every burst scenario within 2 simulated minutes of its onset, with the right kind', () => {
    const expectedKind: Record<string, string> = {
      'brute-force': 'brute-force',
      'password-spray': 'password-spray',
      'mfa-push-bombing': 'mfa-push-bombing',
      'policy-misconfig': 'misconfigured-rollout',
    };
    const bursts = run.evaluation.scenarios.filter((r) => r.scorer === 'denial_burst');
    expect(bursts.map((s) => s.scenario)).toEqual(Object.keys(expectedKind));
    for (const s of bursts) {
      expect(s.detected, s.scenario).toBe(true);
      expect(s.timeToDetectSeconds!, s.scenario).toBeLessThanOrEqual(120);
      expect(s.kinds, s.scenario).toContain(expectedKind[s.scenario]);
    }
  });

  it('attributes the misconfigured rollout to the right policy and version', () => {
    const misconfig = run.evaluation.scenarios.find((s) => s.scenario === 'policy-misconfig')!;
    expect(misconfig.attributed).toBe(true);
  });

  it('raises few false alarms on baseline traffic with daily cycles and noise', () => {
    expect(run.baselineEvents).toBeGreaterThan(100_000);
    expect(run.evaluation.byType.denial_burst.precision!).toBeGreaterThanOrEqual(0.9);
    expect(run.evaluation.falseAlarmsPerMillionBaseline).toBeLessThan(50);
  });

  it('detects each account takeover and policy gap analysts expect, by its own scorer and kind, with no false alarm of those scorers', () => {
    const expected: Record<string, [type: string, kind: string]> = {
      'credential-stuffing': ['credential_stuffing', 'credential-stuffing'],
      'mfa-fatigue': ['mfa_fatigue', 'mfa-fatigue-success'],
      'session-hijack': ['session_hijack', 'session-hijack'],
      'impossible-travel': ['impossible_travel', 'impossible-travel'],
      'noncompliant-allowed': ['noncompliant_access', 'allowed-while-noncompliant'],
      'new-device': ['new_context', 'new-device'],
      'leaked-service-secret': ['secret_leak', 'service-new-country'],
    };
    for (const [scenario, [type, kind]] of Object.entries(expected)) {
      const result = run.evaluation.scenarios.find((s) => s.scenario === scenario)!;
      expect([result.scorer, result.detected], scenario).toEqual([type, true]);
      expect(result.kinds, scenario).toContain(kind);
      expect(result.timeToDetectSeconds!, scenario).toBeLessThanOrEqual(300);
    }
    // The fatigue that ended in a success is one high incident, not a medium one and a high one.
    const fatigue = run.evaluation.scenarios.find((s) => s.scenario === 'mfa-fatigue')!;
    expect(fatigue.matched).toBe(1);
    for (const type of [
      'credential_stuffing',
      'mfa_fatigue',
      'session_hijack',
      'impossible_travel',
      'noncompliant_access',
      'secret_leak',
    ] as const)
      expect(run.evaluation.byType[type].falsePositives, type).toBe(0);
  });

  it('raises one incident per attack: the brute force once, its other bursts attached', () => {
    const latest = latestById(run.anomalies);
    const brute = run.labels.find((l) => l.scenario === 'brute-force')!;
    // About its principal or its network (the app's surge names the app, as the spray right after it does).
    const about = [`principal:${brute.keys.principal as string}`, `src_net:${brute.keys.src_net as string}.0/24`];
    const incidents = latest.filter((a) => matches(brute, a) && [a, ...(a.evidence.related ?? [])].some((f) => about.includes(f.key)));
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.kind).toBe('brute-force');
    expect(incidents[0]!.evidence.related!.length).toBeGreaterThan(0);
  });

  it('stores every anomaly once, with its evidence', () => {
    expect(run.storedAnomalies).toBe(new Set(run.anomalies.map((a) => a.anomaly_id)).size);
    const replay = run.anomalies.find((a) => a.type === 'token_replay')!;
    expect(replay.evidence.events.length).toBeGreaterThanOrEqual(2);
    expect(replay.evidence.reasons.length).toBeGreaterThan(0);
  });
});
