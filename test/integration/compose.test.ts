// docker-compose.yml cannot run here (no Docker engine): check what can be checked. Every
// file it mounts exists, the service's environment names real settings, ports agree, and
// Prometheus's configuration passes promtool as the container will see it.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, loadConfig } from '../../src/config.js';
import { dashboardQueries } from '../support/dashboards.js';
import { ROOT, runCommand, tempDir } from '../support/helpers.js';

interface Service {
  image?: string;
  build?: string;
  environment?: Record<string, string | number>;
  volumes?: string[];
  ports?: string[];
}
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const bindMounts = (s: Service) =>
  (s.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => ({ host: v.split(':')[0]!, container: v.split(':')[1]! }));

/** The environment as compose passes it: `${VAR:-default}` as its default, the HMAC key as one a user would set. */
const interpolated = (env: Record<string, string | number>) =>
  Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      String(v).replace(/\$\{(\w+)(:[-?][^}]*)?\}/g, (_, n, d) =>
        n === 'ZTNA_HMAC_KEY' ? 'k'.repeat(40) : (d ?? '').replace(/^:[-?]/, ''),
      ),
    ]),
  );

describe('docker-compose.yml', () => {
  it('pins every image to a version', () => {
    const images = Object.entries(compose.services).flatMap(([name, s]) => (s.image ? [{ name, image: s.image }] : []));
    // Every service but the two built from this repository's Dockerfile (ztna and the simulator).
    expect(images.map((i) => i.name)).toEqual(['kafka', 'clickhouse', 'prometheus', 'alertmanager', 'grafana']);
    for (const { name, image } of images) {
      expect(image, name).toMatch(/:[\w.-]+$/);
      expect(image, name).not.toMatch(/:latest$/);
    }
  });

  it('mounts only files that exist in the repository', () => {
    const mounts = Object.entries(compose.services).flatMap(([name, s]) => bindMounts(s).map((m) => ({ name, host: m.host })));
    // Prometheus's configuration and rules, Alertmanager's configuration, Grafana's two provisioning files and the dashboards.
    expect(mounts).toHaveLength(6);
    for (const { name, host } of mounts) expect(existsSync(join(ROOT, host)), `${name}: ${host}`).toBe(true);
  });

  it('configures the service with real settings that load', () => {
    const env = compose.services.ztna!.environment!;
    const known = new Set(Object.keys(ConfigSchema.shape));
    expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
    const config = loadConfig(interpolated(env));
    expect(config.KAFKA_BROKERS).toEqual(['kafka:9092']);
    expect(compose.services.ztna!.ports).toContain(`${config.ZTNA_HTTP_PORT}:${config.ZTNA_HTTP_PORT}`);
    const prometheus = parse(readFileSync(join(ROOT, 'deploy', 'prometheus.yml'), 'utf8'));
    expect(prometheus.scrape_configs[0].static_configs[0].targets).toEqual([`ztna:${config.ZTNA_HTTP_PORT}`]);
  });

  it("runs three keyed replicas in the replicas profile, with the service's settings, each scraped and probed on /readyz", () => {
    // As docker compose reads it: the replicas' environment merges the service's (a YAML merge key).
    const merged = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, Service & { profiles?: string[]; deploy?: { replicas?: number }; healthcheck?: { test: string[] } }>;
    };
    const replicas = merged.services['ztna-replicas']!;
    expect(replicas.profiles).toEqual(['replicas']);
    expect(replicas.deploy?.replicas).toBe(3);
    const env = replicas.environment!;
    const known = new Set(Object.keys(ConfigSchema.shape));
    expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
    const { ZTNA_KEYED_SCORING, ZTNA_KEYED_PARTITIONS, ...shared } = env;
    expect(shared).toEqual(compose.services.ztna!.environment);
    const config = loadConfig(interpolated(env));
    expect(config.ZTNA_KEYED_SCORING).toBe(true);
    expect(ZTNA_KEYED_SCORING).toBe('true');
    expect(Number(ZTNA_KEYED_PARTITIONS)).toBeGreaterThan(replicas.deploy!.replicas!);
    // One host port per replica, each the service's HTTP port; the health check is /readyz.
    const [hostPorts, containerPort] = replicas.ports![0]!.split(':');
    const [from, to] = hostPorts!.split('-').map(Number);
    expect(to! - from! + 1).toBe(replicas.deploy!.replicas);
    expect(Number(containerPort)).toBe(config.ZTNA_HTTP_PORT);
    expect(replicas.healthcheck!.test.join(' ')).toContain(`:${config.ZTNA_HTTP_PORT}/readyz`);
    const prometheus = parse(readFileSync(join(ROOT, 'deploy', 'prometheus.yml'), 'utf8'));
    const job = prometheus.scrape_configs.find((j: { job_name: string }) => j.job_name === 'ztna-replicas');
    expect(job.dns_sd_configs).toEqual([{ names: ['ztna-replicas'], type: 'A', port: config.ZTNA_HTTP_PORT }]);
  });

  it("gives Prometheus a configuration and rules that promtool accepts, laid out as the container's mounts lay them out", async () => {
    const root = tempDir('compose-prometheus');
    for (const m of bindMounts(compose.services.prometheus!)) {
      const target = join(root, m.container);
      mkdirSync(join(target, '..'), { recursive: true });
      cpSync(join(ROOT, m.host), target, { recursive: true });
    }
    const r = await runCommand('promtool', ['check', 'config', join(root, 'etc/prometheus/prometheus.yml')]);
    expect(r.stdout + r.stderr).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.code).toBe(0);
  });

  it('provisions Grafana with the datasources the dashboards use, pointed at the compose services, and loads every dashboard', () => {
    const grafana = compose.services.grafana!;
    const mounted = (container: string) => bindMounts(grafana).find((m) => m.container.startsWith(container))!;
    const datasources = parse(readFileSync(join(ROOT, mounted('/etc/grafana/provisioning/datasources/').host), 'utf8')) as {
      apiVersion: number;
      datasources: Array<{
        name: string;
        uid: string;
        type: string;
        url?: string;
        jsonData?: Record<string, unknown>;
        secureJsonData?: Record<string, string>;
      }>;
    };
    expect(datasources.apiVersion).toBe(1);
    const byUid = new Map(datasources.datasources.map((d) => [d.uid, d]));

    // Every datasource a dashboard panel or variable names is provisioned, with the same type.
    const dashboardsDir = mounted('/var/lib/grafana/dashboards/');
    const files = readdirSync(join(ROOT, dashboardsDir.host)).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(['ztna-analyst.json', 'ztna-executive.json', 'ztna-oncall.json']);
    for (const file of files) {
      const text = readFileSync(join(ROOT, dashboardsDir.host, file), 'utf8');
      const refs = [...text.matchAll(/"datasource": \{\s*"type": "([^"]+)",\s*"uid": "([^"]+)"/g)];
      // At least one reference per query of the dashboard (panel target or template variable).
      const dashboard = (JSON.parse(text) as { uid: string }).uid;
      expect(refs.length, file).toBeGreaterThanOrEqual(dashboardQueries().filter((q) => q.dashboard === dashboard).length);
      for (const [, type, uid] of refs) expect(byUid.get(uid!)?.type, `${file}: ${uid}`).toBe(type);
    }

    // Each datasource reaches its compose service as that service is configured.
    const prometheus = datasources.datasources.find((d) => d.type === 'prometheus')!;
    expect(prometheus.url).toBe(`http://prometheus:${compose.services.prometheus!.ports![0]!.split(':')[1]}`);
    const clickhouse = datasources.datasources.find((d) => d.type === 'grafana-clickhouse-datasource')!;
    const ch = compose.services.clickhouse!.environment!;
    expect(clickhouse.jsonData).toMatchObject({
      host: 'clickhouse',
      port: 9000,
      protocol: 'native',
      defaultDatabase: ch.CLICKHOUSE_DB,
      username: ch.CLICKHOUSE_USER,
    });
    expect(compose.services.ztna!.environment!.CLICKHOUSE_DATABASE).toBe(ch.CLICKHOUSE_DB);
    const passwordVar = /^\$(\w+)$/.exec(clickhouse.secureJsonData!.password!)![1]!;
    expect(grafana.environment![passwordVar]).toBe(ch.CLICKHOUSE_PASSWORD);
    expect(String(grafana.environment!.GF_INSTALL_PLUGINS)).toMatch(new RegExp(`^${clickhouse.type} \\d+\\.\\d+\\.\\d+$`));

    // The dashboard provider reads the directory the dashboards are mounted on; the home dashboard is one of them.
    const provider = parse(readFileSync(join(ROOT, mounted('/etc/grafana/provisioning/dashboards/').host), 'utf8')) as {
      apiVersion: number;
      providers: Array<{ type: string; options: { path: string } }>;
    };
    expect(provider.apiVersion).toBe(1);
    expect(provider.providers.map((p) => [p.type, p.options.path])).toEqual([['file', dashboardsDir.container]]);
    expect(files.map((f) => `${dashboardsDir.container}/${f}`)).toContain(grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH);
  });

  it('links the alerts to the on-call dashboard Grafana serves', () => {
    const spec = parse(readFileSync(join(ROOT, 'slos.yaml'), 'utf8')) as { dashboard_url: string };
    const oncall = JSON.parse(readFileSync(join(ROOT, 'dashboards', 'ztna-oncall.json'), 'utf8')) as { uid: string };
    expect(spec.dashboard_url).toBe(`http://localhost:${compose.services.grafana!.ports![0]!.split(':')[0]}/d/${oncall.uid}/ztna-on-call`);
  });

  it('gives Alertmanager a configuration amtool accepts', async () => {
    const [mount] = bindMounts(compose.services.alertmanager!);
    const r = await runCommand('amtool', ['check-config', join(ROOT, mount!.host)]);
    expect(r.code).toBe(0);
  });
});
