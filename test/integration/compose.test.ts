// docker-compose.yml cannot run here (no Docker engine): check what can be checked. Every
// file it mounts exists, the service's environment names real settings, ports agree, and
// Prometheus's configuration passes promtool as the container will see it.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, loadConfig } from '../../src/config.js';
import { ROOT, tempDir } from '../helpers.js';

interface Service {
  image?: string;
  build?: string;
  environment?: Record<string, string | number>;
  volumes?: string[];
  ports?: string[];
}
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const bindMounts = (s: Service) => (s.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => ({ host: v.split(':')[0]!, container: v.split(':')[1]! }));

describe('docker-compose.yml', () => {
  it('pins every image to a version', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      if (s.image) expect(s.image, name).toMatch(/:[\w.-]+$/);
      if (s.image) expect(s.image, name).not.toMatch(/:latest$/);
    }
  });

  it('mounts only files that exist in the repository', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const m of bindMounts(s)) expect(existsSync(join(ROOT, m.host)), `${name}: ${m.host}`).toBe(true);
    }
  });

  it('configures the service with real settings that load', () => {
    const env = compose.services.ztna!.environment!;
    const known = new Set(Object.keys(ConfigSchema.shape));
    expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
    const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{(\w+)(:[-?][^}]*)?\}/g, (_, n, d) => (n === 'ZTNA_HMAC_KEY' ? 'k'.repeat(40) : (d ?? '').replace(/^:[-?]/, '')))]));
    const config = loadConfig(resolved);
    expect(config.KAFKA_BROKERS).toEqual(['kafka:9092']);
    expect(compose.services.ztna!.ports).toContain(`${config.ZTNA_HTTP_PORT}:${config.ZTNA_HTTP_PORT}`);
    const prometheus = parse(readFileSync(join(ROOT, 'deploy', 'prometheus.yml'), 'utf8'));
    expect(prometheus.scrape_configs[0].static_configs[0].targets).toEqual([`ztna:${config.ZTNA_HTTP_PORT}`]);
  });

  it("gives Prometheus a configuration and rules that promtool accepts, laid out as the container's mounts lay them out", () => {
    const root = tempDir('compose-prometheus');
    for (const m of bindMounts(compose.services.prometheus!)) {
      const target = join(root, m.container);
      mkdirSync(join(target, '..'), { recursive: true });
      cpSync(join(ROOT, m.host), target, { recursive: true });
    }
    const r = spawnSync('promtool', ['check', 'config', join(root, 'etc/prometheus/prometheus.yml')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status).toBe(0);
  });

  it("gives Alertmanager a configuration amtool accepts", () => {
    const [mount] = bindMounts(compose.services.alertmanager!);
    const r = spawnSync('amtool', ['check-config', join(ROOT, mount!.host)], { encoding: 'utf8' });
    expect(r.status).toBe(0);
  });
});
