// Time to re-evaluate (M5): each decision or authentication in a session, timed from the session's
// previous evaluation or its start; state capped and forgotten when idle.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../src/events/index.js';
import { registerSliMetrics } from '../../src/sli/metrics.js';
import { SliProcessor } from '../../src/sli/processor.js';
import { SessionReevaluation } from '../../src/sli/reevaluation.js';

const T0 = Date.parse('2026-12-03T10:00:00.000Z');
const envelope = (session: string | undefined, minutes: number) => ({
  event_id: `${session}-${minutes}`,
  time: new Date(T0 + minutes * 60_000).toISOString(),
  observed_time: new Date(T0 + minutes * 60_000).toISOString(),
  tenant: 'acme',
  source: 'native',
  emitter_id: 'gw-1',
  ocsf_class_uid: 3003,
  ocsf_activity_id: 1,
  ...(session === undefined ? {} : { session_id: session }),
});
const login = (session: string, minutes: number): CanonicalEvent => ({ ...envelope(session, minutes), kind: 'auth', outcome: 'success' });
const decision = (session: string | undefined, minutes: number): CanonicalEvent => ({
  ...envelope(session, minutes),
  kind: 'policy',
  decision: 'allow',
  reasons: [],
});
const use = (session: string, minutes: number): CanonicalEvent => ({
  ...envelope(session, minutes),
  kind: 'token',
  activity: 'use',
  token_id: 'hmac-1',
  scopes: [],
});

describe('time to re-evaluate a session', () => {
  it('times each decision or authentication from the previous one, or from the session start', () => {
    const sessions = new SessionReevaluation({ maxSessions: 100, idleMs: 86_400_000 });
    const seen = [use('s1', 0), decision('s1', 2), use('s1', 5), decision('s1', 9), login('s1', 10), decision(undefined, 11)].map((e) =>
      sessions.observe(e),
    );
    // Started by a token use at 0; re-evaluated at 2 (2 min), 9 (7 min) and 10 (1 min); a use re-evaluates nothing.
    expect(seen).toEqual([undefined, 120, undefined, 420, 60, undefined]);
  });

  it('counts a late decision (before the last evaluation) as no interval, and keeps the later time', () => {
    const sessions = new SessionReevaluation({ maxSessions: 100, idleMs: 86_400_000 });
    expect([login('s', 0), decision('s', 10), decision('s', 4), decision('s', 12)].map((e) => sessions.observe(e))).toEqual([
      undefined,
      600,
      undefined,
      120,
    ]);
  });

  it('holds at most its cap, forgetting the least recently evaluated, and forgets idle sessions', () => {
    const capped = new SessionReevaluation({ maxSessions: 2, idleMs: 86_400_000 });
    for (const e of [login('a', 0), login('b', 1), decision('a', 2), login('c', 3)]) capped.observe(e);
    expect(capped.size).toBe(2);
    // b was the least recently evaluated: forgotten, so its next decision starts it again.
    expect(capped.observe(decision('b', 4))).toBeUndefined();
    expect(capped.observe(decision('c', 5))).toBe(120);

    const idle = new SessionReevaluation({ maxSessions: 100, idleMs: 30 * 60_000 });
    for (const e of [login('old', 0), login('new', 40)]) idle.observe(e);
    expect(idle.size).toBe(1);
    expect(idle.observe(decision('old', 41))).toBeUndefined();
    expect(idle.forgotten).toBe(1);
  });

  it('observes the intervals per tenant in a histogram with a bucket at the 5-minute target', async () => {
    const registry = new Registry();
    const processor = new SliProcessor(registerSliMetrics(registry), { labelCap: 100, reorderWindowMs: 60_000, restartMaxSeq: 10 });
    processor.process([login('s1', 0), decision('s1', 3), decision('s1', 13), login('s2', 0), decision('s2', 1)]);
    const values = (await registry.getMetricsAsJSON()).find((m) => m.name === 'ztna_session_reevaluation_seconds')!.values;
    const at = (suffix: string, le?: number) =>
      values
        .filter((v) => (v as { metricName?: string }).metricName?.endsWith(suffix) && (le === undefined || v.labels.le === le))
        .reduce((s, v) => s + v.value, 0);
    expect(at('_count')).toBe(3);
    expect(at('_bucket', 300)).toBe(2);
    expect(at('_sum')).toBe(180 + 600 + 60);
  });
});
