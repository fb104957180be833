// deploy/kubernetes cannot be applied here (no cluster): check what can be checked. Every file
// parses, the environment it gives the service is a valid configuration of real settings, the
// probes call routes the server has, the names and ports agree, and the autoscaler reads the lag
// metric the service exports through the adapter's rule.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { openRoutes } from '../../src/api/openRoutes.js';
import { ReadinessMonitor } from '../../src/api/readiness.js';
import { ConfigSchema, loadConfig } from '../../src/config.js';
import { METRIC_NAMES } from '../../src/conventions.js';
import { ROOT } from '../support/helpers.js';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: Record<string, unknown>;
}
interface Probe {
  httpGet: { path: string; port: string };
}
interface Container {
  image: string;
  ports: { name: string; containerPort: number }[];
  envFrom: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe: Probe;
  livenessProbe: Probe;
}

const DIR = join(ROOT, 'deploy', 'kubernetes');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
const manifests: Manifest[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((doc) => {
    expect(doc.errors, file).toEqual([]);
    return doc.toJS() as Manifest;
  }),
);
const find = (kind: string, name: string) => {
  const found = manifests.filter((m) => m.kind === kind && m.metadata.name === name);
  expect(found, `${kind} ${name}`).toHaveLength(1);
  return found[0]!;
};

const deployment = find('Deployment', 'ztna-telemetry');
const pod = (deployment.spec as { template: { spec: { containers: Container[] } } }).template.spec;
const [container] = pod.containers;

describe('deploy/kubernetes', () => {
  it('parses, every document a named Kubernetes object', () => {
    expect(files.length).toBe(7);
    expect(manifests.map((m) => m.kind).sort()).toEqual([
      'ConfigMap',
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Secret',
      'Service',
    ]);
    for (const m of manifests) expect(m.apiVersion && m.metadata.name, m.kind).toBeTruthy();
  });

  it('gives the service only settings it reads, which together are a valid cluster-layout configuration', () => {
    expect(pod.containers).toHaveLength(1);
    const refs = container!.envFrom;
    const config = find('ConfigMap', refs.find((r) => r.configMapRef)!.configMapRef!.name).data!;
    const secret = find('Secret', refs.find((r) => r.secretRef)!.secretRef!.name).stringData!;
    const names = [...Object.keys(config), ...Object.keys(secret)];
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(Object.keys(ConfigSchema.shape), name).toContain(name);
    const loaded = loadConfig({ ...config, ...secret });
    expect(loaded.CLICKHOUSE_LAYOUT).toBe('cluster');
    expect(loaded.ZTNA_HTTP_PORT).toBe(container!.ports[0]!.containerPort);
  });

  it('runs three replicas of this version, probed on routes the server has, behind a Service on the probed port', () => {
    expect((deployment.spec as { replicas: number }).replicas).toBe(3);
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(container!.image).toMatch(new RegExp(`:${version.replaceAll('.', '\\.')}$`));
    const urls = openRoutes(new Registry(), new ReadinessMonitor({})).map((r) => r.url);
    expect(container!.readinessProbe.httpGet.path).toBe('/readyz');
    expect(urls).toContain(container!.readinessProbe.httpGet.path);
    expect(urls).toContain(container!.livenessProbe.httpGet.path);
    const port = container!.ports[0]!.name;
    expect(container!.readinessProbe.httpGet.port).toBe(port);
    expect(container!.livenessProbe.httpGet.port).toBe(port);
    const service = find('Service', 'ztna-telemetry').spec as { selector: Record<string, string>; ports: { targetPort: string }[] };
    expect(service.ports[0]!.targetPort).toBe(port);
    expect((deployment.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels).toEqual(service.selector);
  });

  it('autoscales the Deployment on the consumer lag the service exports, served by the adapter rule', () => {
    const hpa = find('HorizontalPodAutoscaler', 'ztna-telemetry').spec as {
      scaleTargetRef: { kind: string; name: string };
      minReplicas: number;
      metrics: { type: string; external: { metric: { name: string } } }[];
    };
    expect(hpa.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.minReplicas).toBe(3);
    expect(hpa.metrics.map((m) => m.type)).toEqual(['External']);
    const metric = hpa.metrics[0]!.external.metric.name;
    const adapter = parse(find('ConfigMap', 'prometheus-adapter').data!['config.yaml']!) as {
      externalRules: { seriesQuery: string; name: { as: string }; metricsQuery: string }[];
    };
    expect(adapter.externalRules).toHaveLength(1);
    const [rule] = adapter.externalRules;
    expect(rule!.name.as).toBe(metric);
    expect(rule!.seriesQuery.startsWith(`${METRIC_NAMES.consumerLag}{`)).toBe(true);
    expect(rule!.metricsQuery).toContain('<<.Series>>');
  });
});
