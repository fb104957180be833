// Token lifetimes (M6): the age of a token at each use, the lifetime it was issued for, and the uses
// past the configured age limit, by token type and client.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { TokenEvent } from '../../src/events/index.js';
import { registerSliMetrics } from '../../src/sli/metrics.js';
import { SliProcessor } from '../../src/sli/processor.js';
import { tokenLifetime } from '../../src/sli/tokenLifetime.js';

const token = (id: string, fields: Partial<TokenEvent>): TokenEvent => ({
  kind: 'token',
  event_id: id,
  time: '2026-12-03T10:00:00.000Z',
  observed_time: '2026-12-03T10:00:01.000Z',
  tenant: 'acme',
  source: 'native',
  emitter_id: 'gw-1',
  ocsf_class_uid: 3003,
  ocsf_activity_id: 1,
  activity: 'use',
  token_id: `hmac-${id}`,
  token_type: 'access_token',
  client_id: 'wiki',
  scopes: [],
  ...fields,
});

describe('token lifetimes', () => {
  it('ages a use from its issue, measures a lifetime where a token is handed out, and nothing without issued_at', () => {
    expect(tokenLifetime(token('a', { issued_at: '2026-12-03T09:00:00.000Z', expires_at: '2026-12-03T11:00:00.000Z' }))).toEqual({
      ageSeconds: 3600,
    });
    expect(
      tokenLifetime(token('b', { activity: 'issue', issued_at: '2026-12-03T10:00:00.000Z', expires_at: '2026-12-03T10:15:00.000Z' })),
    ).toEqual({ lifetimeSeconds: 900 });
    // Clock skew between issuer and gateway: a use before the issue is age 0.
    expect(tokenLifetime(token('c', { issued_at: '2026-12-03T10:00:02.000Z' }))).toEqual({ ageSeconds: 0 });
    expect(tokenLifetime(token('d', {}))).toEqual({});
    expect(
      tokenLifetime(token('e', { activity: 'revoke', issued_at: '2026-12-03T09:00:00.000Z', expires_at: '2026-12-03T11:00:00.000Z' })),
    ).toEqual({});
  });

  it('counts ages and lifetimes by token type and client, and the uses past the limit', async () => {
    const registry = new Registry();
    const processor = new SliProcessor(registerSliMetrics(registry, { tokenAgeLimitSeconds: 1800 }), {
      labelCap: 100,
      reorderWindowMs: 60_000,
      restartMaxSeq: 10,
      tokenAgeLimitSeconds: 1800,
    });
    processor.process([
      token('fresh', { issued_at: '2026-12-03T09:59:00.000Z' }),
      token('at-limit', { issued_at: '2026-12-03T09:30:00.000Z' }),
      token('stale', { issued_at: '2026-12-03T07:00:00.000Z' }),
      token('service', { client_id: 'batch', token_type: 'client_credentials', issued_at: '2026-11-26T10:00:00.000Z' }),
      token('issued', { activity: 'issue', issued_at: '2026-12-03T10:00:00.000Z', expires_at: '2026-12-04T10:00:00.000Z' }),
    ]);
    const metrics = Object.fromEntries((await registry.getMetricsAsJSON()).map((m) => [m.name, m.values]));
    const value = (name: string, suffix: string, labels: Record<string, string | number>) =>
      metrics[name]!.filter(
        (v) =>
          ((v as { metricName?: string }).metricName ?? name).endsWith(suffix) &&
          Object.entries(labels).every(([k, x]) => v.labels[k] === x),
      ).reduce((s, v) => s + v.value, 0);
    const wiki = { token_type: 'access_token', client: 'wiki' };
    expect(value('ztna_token_age_at_use_seconds', '_count', wiki)).toBe(3);
    // The limit is a bucket of its own: a use exactly at the limit is within it.
    expect(value('ztna_token_age_at_use_seconds', '_bucket', { ...wiki, le: 1800 })).toBe(2);
    expect(value('ztna_token_uses_over_age_limit_total', '', wiki)).toBe(1);
    expect(value('ztna_token_uses_over_age_limit_total', '', { token_type: 'client_credentials', client: 'batch' })).toBe(1);
    expect(value('ztna_token_age_at_use_seconds', '_sum', { client: 'batch' })).toBe(7 * 86_400);
    expect(value('ztna_token_issued_lifetime_seconds', '_count', wiki)).toBe(1);
    expect(value('ztna_token_issued_lifetime_seconds', '_bucket', { ...wiki, le: 86_400 })).toBe(1);
    expect(value('ztna_token_issued_lifetime_seconds', '_bucket', { ...wiki, le: 28_800 })).toBe(0);
  });
});
