// The generated rules pass the real promtool and amtool (Debian's prometheus and
// prometheus-alertmanager packages), and their unit tests catch a broken rule.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCommand, tempDir } from '../support/helpers.js';

const run = (cmd: string, args: string[], cwd: string) => runCommand(cmd, args, { cwd });
const alerts = join(ROOT, 'alerts');

describe('generated Prometheus rules', () => {
  it('pass promtool check rules', async () => {
    const r = await run('promtool', ['check', 'rules', 'ztna-slo.rules.yml'], alerts);
    expect(r.stdout + r.stderr).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.code).toBe(0);
  });

  it('pass their generated promtool unit tests (outage pages, slow burn tickets, healthy and low traffic stay quiet, the budget left)', async () => {
    const r = await run('promtool', ['test', 'rules', 'ztna-slo.test.yml'], alerts);
    expect(r.stdout + r.stderr).toMatch(/SUCCESS/);
    expect(r.code).toBe(0);
  });

  it('have unit tests that fail when a page threshold is wrong', async () => {
    const dir = tempDir('promtool');
    copyFileSync(join(alerts, 'ztna-slo.test.yml'), join(dir, 'ztna-slo.test.yml'));
    // Make both page tiers of auth-availability need an error ratio above 100 %.
    const broken = readFileSync(join(alerts, 'ztna-slo.rules.yml'), 'utf8')
      .replace('slo:sli_error:ratio_rate5m{slo="auth-availability"} > 0.0144', 'slo:sli_error:ratio_rate5m{slo="auth-availability"} > 1.44')
      .replace(
        'slo:sli_error:ratio_rate30m{slo="auth-availability"} > 0.006',
        'slo:sli_error:ratio_rate30m{slo="auth-availability"} > 1.6',
      );
    expect(broken).toContain('> 1.44');
    expect(broken).toContain('> 1.6');
    writeFileSync(join(dir, 'ztna-slo.rules.yml'), broken);
    const r = await run('promtool', ['test', 'rules', 'ztna-slo.test.yml'], dir);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/auth-availability: full outage pages within 5 minutes/);
  });

  it('have unit tests that fail when the error budget left is wrong', async () => {
    const dir = tempDir('promtool');
    copyFileSync(join(alerts, 'ztna-slo.test.yml'), join(dir, 'ztna-slo.test.yml'));
    // Divide auth-availability's SLO-window error ratio by ten times its budget.
    const rule = 'slo:sli_error:ratio_rate30d{slo="auth-availability"} / 0.001';
    const rules = readFileSync(join(alerts, 'ztna-slo.rules.yml'), 'utf8');
    expect(rules).toContain(rule);
    writeFileSync(join(dir, 'ztna-slo.rules.yml'), rules.replace(rule, 'slo:sli_error:ratio_rate30d{slo="auth-availability"} / 0.01'));
    const r = await run('promtool', ['test', 'rules', 'ztna-slo.test.yml'], dir);
    expect(r.code).not.toBe(0);
    // promtool quotes the expression, escaping its quotes.
    expect(r.stdout + r.stderr).toContain('round(slo:error_budget_remaining:ratio{slo=\\"auth-availability\\"}, 0.001)');
  });

  it('come with an Alertmanager example that amtool accepts', async () => {
    const r = await run('amtool', ['check-config', 'alertmanager.example.yml'], alerts);
    expect(r.stdout + r.stderr).toMatch(/SUCCESS/);
    expect(r.code).toBe(0);
  });
});
