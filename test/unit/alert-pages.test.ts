// An Alertmanager alert as alert_pages stores it: its key, a page id that its repeats and its
// resolution share, and a summary that never holds a planted secret.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alertKey, alertPageRow, pageId, WebhookAlert } from '../../src/api/alerts.js';
import { PLANTED, separator } from '../support/plantedSecrets.js';

const firing = WebhookAlert.parse({
  status: 'firing',
  labels: { alertname: 'ZtnaErrorBudgetBurn', severity: 'page', slo: 'auth-availability', tenant: 'acme' },
  annotations: { summary: 'auth-availability burns its budget' },
  startsAt: '2026-11-20T10:00:00.123456789Z',
  endsAt: '0001-01-01T00:00:00Z',
  fingerprint: 'a1b2c3d4e5f60718',
});
const RECEIVED = new Date('2026-11-20T10:05:00Z');

describe('alert pages', () => {
  it('keys an alert by its SLO, else its enforcement point, else its name', () => {
    expect(alertKey({ alertname: 'A', slo: 'auth-availability', emitter: 'pep-1' })).toBe('slo:auth-availability');
    expect(alertKey({ alertname: 'ZtnaEnforcementPointSilent', emitter: 'pep-1' })).toBe('emitter:pep-1');
    expect(alertKey({ alertname: 'NodeDown' })).toBe('alert:NodeDown');
  });

  it('gives a repeat and the resolution of one start the same id, and another start, tenant or alert another', () => {
    const resolved = { ...firing, status: 'resolved' as const, endsAt: '2026-11-20T11:00:00Z' };
    const id = pageId('acme', firing);
    expect(id).toMatch(/^page-[0-9a-f]{24}$/);
    expect(pageId('acme', resolved)).toBe(id);
    // Alertmanager writes the same instant with more or fewer digits.
    expect(pageId('acme', { ...firing, startsAt: '2026-11-20T10:00:00.123Z' })).toBe(id);
    expect(pageId('acme', { ...firing, startsAt: '2026-11-20T12:00:00Z' })).not.toBe(id);
    expect(pageId('globex', firing)).not.toBe(id);
    expect(pageId('acme', { ...firing, fingerprint: 'ffffffffffffffff' })).not.toBe(id);
  });

  it('stores the end only of a resolved alert, and the default tenant where no label names one', () => {
    expect(alertPageRow(firing, 'default', RECEIVED)).toMatchObject({
      tenant: 'acme',
      starts_at: '2026-11-20 10:00:00.123',
      ends_at: null,
      received_at: '2026-11-20 10:05:00.000',
      key: 'slo:auth-availability',
      severity: 'page',
    });
    const { tenant: _, ...labels } = firing.labels;
    const resolved = { ...firing, labels, status: 'resolved' as const, endsAt: '2026-11-20T11:00:00Z' };
    expect(alertPageRow(resolved, 'initech', RECEIVED)).toMatchObject({ tenant: 'initech', ends_at: '2026-11-20 11:00:00.000' });
  });

  it('never stores a planted secret in the summary', () => {
    fc.assert(
      fc.property(fc.oneof(...Object.values(PLANTED)), separator, fc.constantFrom('summary', 'description'), (planted, sep, field) => {
        const alert = { ...firing, annotations: { [field]: `check failed${sep}${planted.text}${sep}retrying` } };
        const row = alertPageRow(alert, 'default', RECEIVED);
        expect(row.summary).not.toContain(planted.secret);
        expect(row.summary).toContain('[redacted]');
      }),
      { numRuns: 500 },
    );
  });
});
