// The page really arrives: `ztna run` with the simulator driving an IdP outage, a real
// Prometheus scraping /metrics and evaluating the generated burn-rate rules, and a real
// Alertmanager with the example routing delivering to a webhook receiver in this test.
// The rules are generated with a time scale of 60 (1 h → 1 m; test only): same ratios,
// factors and guards, windows short enough for a test. Once the page is out, every PromQL
// query of the generated dashboards runs against that Prometheus and must return data.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ruleFile } from '../../src/commands/generate.js';
import { alertmanagerExample } from '../../src/slo/alertmanager.js';
import { loadSloSpec } from '../../src/slo/spec.js';
import { CLI, ROOT, tempDir } from '../support/helpers.js';
import { dashboardQueries, expandPromQL, KAFKA_ONLY } from '../support/dashboards.js';
import { freePort } from '../support/services/ports.js';
import { startAlertmanager, startPrometheus, type RunningService } from '../support/services/prometheus.js';

interface Delivery {
  receiver: string;
  at: number;
  alerts: Array<{ status: string; labels: Record<string, string> }>;
}

const TIME_SCALE = 60;
const OUTAGE_AFTER_SECONDS = 45;

describe('burn-rate alerting end to end', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('pages through Alertmanager during an IdP outage, and not during healthy traffic', async () => {
    const dir = tempDir('alerting');
    const deliveries: Delivery[] = [];
    const webhook: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        deliveries.push({ receiver: req.url ?? '', at: Date.now(), alerts: JSON.parse(body).alerts });
        res.end('ok');
      });
    });
    const hookPort = await freePort();
    await new Promise<void>((r) => webhook.listen(hookPort, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => webhook.close(() => r())));

    const rulesFile = join(dir, 'ztna-slo.rules.yml');
    writeFileSync(rulesFile, ruleFile(loadSloSpec(join(ROOT, 'slos.yaml')), { timeScale: TIME_SCALE }));
    const alertmanager: RunningService = await startAlertmanager(
      dir,
      alertmanagerExample({ pagerUrl: `http://127.0.0.1:${hookPort}/page`, ticketUrl: `http://127.0.0.1:${hookPort}/ticket` }),
    );
    cleanups.push(() => alertmanager.stop());

    const servicePort = await freePort();
    const service = spawn(process.execPath, [CLI, 'run'], {
      env: {
        ...process.env,
        KAFKA_BROKERS: '',
        CLICKHOUSE_URL: '',
        ZTNA_DATA_DIR: join(dir, 'data'),
        ZTNA_HTTP_PORT: String(servicePort),
        ZTNA_SIM_RATE: '400',
        ZTNA_SIM_SCENARIOS: `idp-outage@${OUTAGE_AFTER_SECONDS}s+10m`,
        ZTNA_PROGRESS_SECONDS: '0',
        LOG_LEVEL: 'warn',
      },
    });
    let stdout = '';
    service.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const serviceExited = new Promise((r) => service.once('exit', r));
    cleanups.push(async () => {
      service.kill('SIGTERM');
      await serviceExited;
    });
    const outageStart = await until(async () => {
      const m = /simulating idp-outage from (\S+)/.exec(stdout);
      return m ? Date.parse(m[1]!) : undefined;
    }, 30_000);

    const prometheus = await startPrometheus(dir, {
      scrapeTarget: `127.0.0.1:${servicePort}`,
      alertmanager: new URL(alertmanager.url).host,
      ruleFiles: [rulesFile],
      intervalSeconds: 1,
    });
    cleanups.push(() => prometheus.stop());

    const isPage = (d: Delivery) => d.receiver === '/page' && d.alerts.some((a) => a.status === 'firing' && a.labels.severity === 'page' && a.labels.slo === 'auth-availability');
    const page = await until(async () => deliveries.find(isPage), (OUTAGE_AFTER_SECONDS + 150) * 1000);

    // Healthy traffic before the outage paged nobody.
    expect(deliveries.filter((d) => d.receiver === '/page' && d.at < outageStart)).toEqual([]);
    expect(page.at).toBeGreaterThan(outageStart);
    const alert = page.alerts.find((a) => a.labels.severity === 'page')!;
    expect(alert.labels).toMatchObject({ alertname: 'ZtnaErrorBudgetBurn', severity: 'page', slo: 'auth-availability', sli: 'auth_availability' });
    console.log(`page delivered ${((page.at - outageStart) / 1000).toFixed(1)} s after the IdP outage began (rules time-scaled ×${TIME_SCALE}; Alertmanager group_wait 30 s)`);

    // The dashboards' PromQL, while the outage burns (so "Firing alerts" has rows). Scrapes
    // every 1 s: Grafana's $__rate_interval would be 4 s; 15 s keeps rates steady.
    const promql = dashboardQueries().filter((q) => q.datasource === 'prometheus');
    expect(promql.length).toBeGreaterThanOrEqual(15);
    const empty: string[] = [];
    for (const q of promql.filter((p) => p.variable)) {
      // label_values(metric, label) is Grafana's: it asks Prometheus for the label's values.
      const [, metric, label] = /^label_values\((\w+),\s*(\w+)\)$/.exec(q.text)!;
      const res = (await (await fetch(`${prometheus.url}/api/v1/label/${label}/values?match[]=${metric}`)).json()) as { data: string[] };
      expect(res.data, q.text).toContain('acme');
    }
    for (const q of promql.filter((p) => !p.variable)) {
      for (const tenant of [{ all: '.*' }, { value: 'acme' }]) {
        const expr = expandPromQL(q.text, { tenant }, '15s');
        const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
        const body = (await res.json()) as { status: string; error?: string; data: { result: unknown[] } };
        expect(body.status, `${q.dashboard}: ${q.panel}: ${expr}: ${body.error}`).toBe('success');
        if (body.data.result.length === 0) empty.push(`${q.dashboard}: ${q.panel}: ${expr}`);
      }
    }
    // Only consumer lag needs Kafka (the Kafka end-to-end test runs it); everything else has data.
    expect(empty.filter((e) => !KAFKA_ONLY.test(e))).toEqual([]);
  });
});

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('timed out');
}
