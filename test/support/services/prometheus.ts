// Real Prometheus and Alertmanager (Debian's prometheus and prometheus-alertmanager
// packages) on 127.0.0.1, for end-to-end alerting tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './ports.js';

export interface RunningService {
  url: string;
  logFile: string;
  stop(): Promise<void>;
}

async function launch(name: string, bin: string, args: (port: number) => string[], dir: string): Promise<RunningService> {
  const port = await freePort();
  const logFile = join(dir, `${name}.log`);
  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn(bin, args(port), { stdio: ['ignore', out, out] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}; see ${logFile}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`${name} not ready within 30 s; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    logFile,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export function startAlertmanager(dir: string, config: object): Promise<RunningService> {
  const file = join(dir, 'alertmanager.yml');
  writeFileSync(file, stringify(config));
  return launch(
    'alertmanager',
    'prometheus-alertmanager',
    (port) => [
      `--config.file=${file}`,
      `--storage.path=${join(dir, 'alertmanager-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    dir,
  );
}

export function startPrometheus(
  dir: string,
  options: { scrapeTarget: string; alertmanager: string; ruleFiles: string[]; intervalSeconds: number },
): Promise<RunningService> {
  const file = join(dir, 'prometheus.yml');
  const interval = `${options.intervalSeconds}s`;
  writeFileSync(
    file,
    stringify({
      global: { scrape_interval: interval, evaluation_interval: interval },
      rule_files: options.ruleFiles,
      alerting: { alertmanagers: [{ static_configs: [{ targets: [options.alertmanager] }] }] },
      scrape_configs: [{ job_name: 'ztna', static_configs: [{ targets: [options.scrapeTarget] }] }],
    }),
  );
  return launch(
    'prometheus',
    'prometheus',
    (port) => [`--config.file=${file}`, `--storage.tsdb.path=${join(dir, 'prometheus-data')}`, `--web.listen-address=127.0.0.1:${port}`],
    dir,
  );
}

export interface PromQueryResult {
  status: string;
  error?: string;
  data: { result: Array<{ metric: Record<string, string> }> };
}

/** An instant query through Prometheus's HTTP API. */
export async function queryPrometheus(prometheus: RunningService, expr: string): Promise<PromQueryResult> {
  return (await (await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as PromQueryResult;
}

/** The values Prometheus knows for a label on the series of one metric (Grafana's label_values(metric, label)). */
export async function labelValues(prometheus: RunningService, metric: string, label: string): Promise<string[]> {
  return (
    (await (
      await fetch(`${prometheus.url}/api/v1/label/${encodeURIComponent(label)}/values?match[]=${encodeURIComponent(metric)}`)
    ).json()) as { data: string[] }
  ).data;
}
