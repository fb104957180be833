// The alerting stack of the end-to-end tests: `ztna run` with the simulator driving an IdP
// outage, a real Prometheus scraping its /metrics and evaluating the generated burn-rate rules,
// and a real Alertmanager with the example routing delivering to a webhook receiver in the test
// and, with an ingest key, to the service's POST /api/v1/alerts (so that incidents count pages).
// The rules are generated with a time scale (1 h → 1 m; test only): same ratios, factors and
// guards, windows short enough for a test.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { hashApiKey } from '../../src/api/auth.js';
import { ruleFile } from '../../src/commands/generate.js';
import { alertmanagerExample } from '../../src/slo/alertmanager.js';
import { loadSloSpec } from '../../src/slo/spec.js';
import { ROOT, startCli, tempDir } from './helpers.js';
import { freePort } from './services/ports.js';
import { startAlertmanager, startPrometheus, type RunningService } from './services/prometheus.js';
import { waitFor } from './wait.js';

export const TIME_SCALE = 60;

/** One notification Alertmanager delivered to the webhook. */
export interface Delivery {
  /** The webhook path: /page or /ticket. */
  receiver: string;
  at: number;
  alerts: Array<{ status: string; labels: Record<string, string> }>;
}

/** The service's API keys: Alertmanager's (ingest) and the test's (analyst). */
const INGEST_KEY = 'alertmanager-ingest-key-0123456789';
export const ANALYST_KEY = 'alerting-analyst-key-0123456789';

export interface AlertingStack {
  prometheus: RunningService;
  /** The service's base URL (http://127.0.0.1:port). */
  service: string;
  /** When the simulated IdP outage begins (ms since the epoch). */
  outageStart: number;
  /** Every notification delivered so far, in arrival order. */
  deliveries: Delivery[];
  /** Stops everything it started, last started first. */
  stop(): Promise<void>;
}

type Stop = () => Promise<void>;

/** Starts the stack with the IdP outage `outageAfterSeconds` after the service starts; on any failure, stops what it started. */
export async function startAlertingStack(outageAfterSeconds: number): Promise<AlertingStack> {
  const dir = tempDir('alerting');
  const stops: Stop[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  try {
    const deliveries: Delivery[] = [];
    const webhook = await startWebhook(deliveries);
    stops.push(webhook.stop);
    const rulesFile = join(dir, 'ztna-slo.rules.yml');
    writeFileSync(rulesFile, ruleFile(loadSloSpec(join(ROOT, 'slos.yaml')), { timeScale: TIME_SCALE }));
    const port = await freePort();
    const keyFile = join(dir, 'ztna-ingest-key');
    writeFileSync(keyFile, INGEST_KEY);
    const alertmanager = await startAlertmanager(
      dir,
      alertmanagerExample({
        pagerUrl: `${webhook.url}/page`,
        ticketUrl: `${webhook.url}/ticket`,
        ztnaUrl: `http://127.0.0.1:${port}/api/v1/alerts`,
        ztnaKeyFile: keyFile,
      }),
    );
    stops.push(alertmanager.stop);
    const service = await startService(join(dir, 'data'), port, outageAfterSeconds);
    stops.push(service.stop);
    const outageStart = await waitFor(
      'the simulated outage to be planned',
      async () => {
        const planned = /simulating idp-outage from (\S+)/.exec(service.stdout());
        return planned !== null && Date.parse(planned[1]!);
      },
      30_000,
      250,
    );
    const prometheus = await startPrometheus(dir, {
      scrapeTarget: service.target,
      alertmanager: new URL(alertmanager.url).host,
      ruleFiles: [rulesFile],
      intervalSeconds: 1,
    });
    stops.push(prometheus.stop);
    return { prometheus, service: `http://${service.target}`, outageStart, deliveries, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** An HTTP receiver on 127.0.0.1 that records each Alertmanager notification in `deliveries`. */
async function startWebhook(deliveries: Delivery[]): Promise<{ url: string; stop: Stop }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      deliveries.push({ receiver: req.url ?? '', at: Date.now(), alerts: JSON.parse(body).alerts });
      res.end('ok');
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** `ztna run`, embedded: the simulator into chDB, an IdP outage `outageAfterSeconds` after start, HTTP on `port`. */
async function startService(
  dataDir: string,
  port: number,
  outageAfterSeconds: number,
): Promise<{ target: string; stdout: () => string; stop: Stop }> {
  const run = startCli(['run'], {
    KAFKA_BROKERS: '',
    CLICKHOUSE_URL: '',
    ZTNA_DATA_DIR: dataDir,
    ZTNA_HTTP_PORT: String(port),
    ZTNA_SIM_RATE: '400',
    ZTNA_SIM_SCENARIOS: `idp-outage@${outageAfterSeconds}s+10m`,
    ZTNA_PROGRESS_SECONDS: '0',
    ZTNA_API_KEYS: `alertmanager:ingest:${hashApiKey(INGEST_KEY)},test:analyst:${hashApiKey(ANALYST_KEY)}`,
    LOG_LEVEL: 'warn',
  });
  return {
    target: `127.0.0.1:${port}`,
    stdout: run.stdout,
    stop: async () => {
      run.child.kill('SIGTERM');
      await run.exited;
    },
  };
}
