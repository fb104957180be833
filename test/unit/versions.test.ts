// The versions users run are the versions the tests run: docker compose pins the ClickHouse line
// of chDB's engine, the Kafka of the test broker, Debian's Prometheus and Alertmanager, and the
// Grafana and ClickHouse plugin the dashboards declare; the README's support table says the same
// as `ztna doctor`; and the generated rules avoid what changed between Prometheus 2 and 3.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { CLICKHOUSE_PLUGIN_VERSION, GRAFANA_SCHEMA_VERSION, GRAFANA_VERSION } from '../../src/dashboards/versions.js';
import { OLDEST_CLICKHOUSE } from '../../src/doctor/clickhouseFeatures.js';
import { parseApiVersions } from '../../src/doctor/kafkaVersion.js';
import { describeRange, outOfRange, SUPPORT } from '../../src/doctor/support.js';
import { releaseLine } from '../../src/doctor/versions.js';
import { ChdbStore, namedQuery } from '../../src/store/index.js';
import { leBound } from '../../src/conventions.js';
import { dashboardQueries } from '../support/dashboards.js';
import { ROOT, runCommand, tempDir } from '../support/helpers.js';

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { image?: string; environment?: Record<string, string> }>;
};
const imageTag = (service: string) => compose.services[service]!.image!.split(':')[1]!;
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('docker compose runs the versions the tests run', () => {
  const store = new ChdbStore(tempDir('versions'));
  afterAll(() => store.close());

  it("pins ClickHouse to the release line of chDB's engine", async () => {
    const [row] = await store.query<{ version: string }>(namedQuery('server_version'));
    const line = releaseLine(row!.version);
    expect(imageTag('clickhouse')).toBe(line);
    expect(SUPPORT.clickhouse.tested).toBe(line);
  });

  it('pins Kafka to the version of the test broker', () => {
    const pom = readFileSync(join(ROOT, 'test/support/services/kafka-broker.pom.xml'), 'utf8');
    const broker = /<artifactId>kafka_2\.13<\/artifactId><version>([\d.]+)<\/version>/.exec(pom)![1]!;
    expect(imageTag('kafka')).toBe(broker);
    expect(SUPPORT.kafka.tested).toBe(releaseLine(broker));
  });

  it("pins Prometheus and Alertmanager to the machine's, which the alerting tests run", async () => {
    const version = async (bin: string) => /version (\d+\.\d+\.\d+)/.exec((await runCommand(bin, ['--version'])).stdout)![1]!;
    const prometheus = await version('prometheus');
    expect(imageTag('prometheus')).toBe(`v${prometheus}`);
    expect(imageTag('alertmanager')).toBe(`v${await version('prometheus-alertmanager')}`);
    expect(SUPPORT.prometheus.tested).toBe(releaseLine(prometheus));
  });

  it('runs the Grafana and installs the ClickHouse plugin the dashboards declare', () => {
    expect(imageTag('grafana')).toBe(GRAFANA_VERSION);
    expect(compose.services.grafana!.environment!.GF_INSTALL_PLUGINS).toBe(`grafana-clickhouse-datasource ${CLICKHOUSE_PLUGIN_VERSION}`);
    // The SDK writes the schema of the Grafana it was generated from: an upgrade to a newer one shows here.
    expect(defaultDashboard().schemaVersion).toBe(GRAFANA_SCHEMA_VERSION);
    const files = readdirSync(join(ROOT, 'dashboards')).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(3);
    for (const file of files) {
      const dashboard = JSON.parse(readFileSync(join(ROOT, 'dashboards', file), 'utf8')) as {
        schemaVersion: number;
        __requires: Array<{ id: string; version: string }>;
      };
      expect(dashboard.schemaVersion, file).toBe(GRAFANA_SCHEMA_VERSION);
      const requires = Object.fromEntries(dashboard.__requires.map((r) => [r.id, r.version]));
      expect(requires.grafana, file).toBe(GRAFANA_VERSION);
      const usesClickHouse = JSON.stringify(dashboard).includes('"uid":"ztna-clickhouse"');
      expect(requires['grafana-clickhouse-datasource'], file).toBe(usesClickHouse ? CLICKHOUSE_PLUGIN_VERSION : undefined);
    }
  });
});

describe('the support range', () => {
  it('starts ClickHouse at the newest release a SQL feature needs, and says out of range in words', () => {
    expect(SUPPORT.clickhouse.oldest).toBe(OLDEST_CLICKHOUSE);
    expect(outOfRange('24.8.4.13', SUPPORT.clickhouse)).toBe(
      `ClickHouse 24.8.4.13 is older than ${OLDEST_CLICKHOUSE}, the oldest supported`,
    );
    expect(outOfRange('26.7.2.1', SUPPORT.clickhouse)).toBeUndefined();
    expect(outOfRange('4.0 or later', SUPPORT.kafka)).toBe('Kafka 4.0 or later is not supported (4.0 and later are not)');
    expect(outOfRange('3.9', SUPPORT.kafka)).toBeUndefined();
  });

  it("is the README's, each row naming tests that exist", () => {
    const section = readme.split(/^## /m).find((s) => s.startsWith('Versions'))!;
    const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| system') && !l.startsWith('|---'));
    expect(rows.map((r) => r.split('|')[1]!.trim())).toEqual([
      'ClickHouse server',
      'Kafka brokers',
      'Prometheus',
      'Alertmanager',
      'Grafana + ClickHouse plugin',
    ]);
    for (const range of Object.values(SUPPORT)) {
      const row = rows.find((r) => r.startsWith(`| ${range.system}`))!;
      expect(row, range.system).toContain(describeRange(range));
    }
    expect(rows.at(-1)).toContain(`Grafana ${GRAFANA_VERSION}, ClickHouse plugin ${CLICKHOUSE_PLUGIN_VERSION}`);
    for (const row of rows) {
      const tests = [...row.matchAll(/`(test\/[\w/.-]+\.test\.ts)`/g)].map((m) => m[1]!);
      expect(tests.length, row).toBeGreaterThan(0);
      for (const test of tests) expect(existsSync(join(ROOT, test)), test).toBe(true);
    }
  });
});

describe('the generated rules and dashboard queries read the same on Prometheus 2 and 3', () => {
  const rules = parse(readFileSync(join(ROOT, 'alerts/ztna-slo.rules.yml'), 'utf8')) as {
    groups: Array<{ interval?: string; rules: Array<{ record?: string; alert?: string; expr: string; labels?: object }> }>;
  };
  const ruleExprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
  const promql = dashboardQueries()
    .filter((q) => q.datasource === 'prometheus' && !q.variable)
    .map((q) => q.text);
  const all = [...ruleExprs, ...promql];
  const seconds = (d: string) => Number(d.slice(0, -1)) * { s: 1, m: 60, h: 3600, d: 86400 }[d.at(-1) as 's' | 'm' | 'h' | 'd'];

  it('reads them all', () => {
    // A rule or panel added changes these counts: the checks below must see every expression.
    expect(ruleExprs.length).toBeGreaterThan(50);
    expect(promql).toHaveLength(30);
  });

  it('uses no function Prometheus 3 renamed or removed', () => {
    for (const expr of all) expect(expr).not.toMatch(/\b(holt_winters|double_exponential_smoothing)\s*\(/);
  });

  it('holds many samples in every range, so whether its left edge is closed (2) or open (3) moves nothing', () => {
    const prometheus = parse(readFileSync(join(ROOT, 'deploy/prometheus.yml'), 'utf8')) as { global: Record<string, string> };
    const interval = Math.max(seconds(prometheus.global.scrape_interval!), seconds(prometheus.global.evaluation_interval!));
    const ranges = ruleExprs.flatMap((e) => [...e.matchAll(/\[(\d+[smhd])\]/g)].map((m) => seconds(m[1]!)));
    expect(ranges.length).toBeGreaterThan(0);
    // At least 20 samples: one sample more or less changes a rate's extrapolation or an average by 5 % at most.
    for (const range of ranges) expect(range / interval).toBeGreaterThanOrEqual(20);
    // The dashboards' ranges are Grafana's $__rate_interval (at least four scrape intervals) or the
    // dashboard's whole range ($__range, longer still: the shares over it), none fixed.
    for (const expr of promql) for (const m of expr.matchAll(/\[([^\]]+)\]/g)) expect(['$__rate_interval', '$__range']).toContain(m[1]);
  });

  it("matches by regex only with Grafana's tenant variable, which no newline can be in", () => {
    // Prometheus 3's `.` matches a newline too: only a label value holding one reads differently.
    for (const expr of ruleExprs) expect(expr).not.toMatch(/[=!]~/);
    const regexMatchers = promql.flatMap((e) => [...e.matchAll(/(\w+)[=!]~"([^"]*)"/g)].map((m) => `${m[1]}=~${m[2]}`));
    expect(new Set(regexMatchers)).toEqual(new Set(['tenant=~$tenant']));
  });

  it('names every metric, label and rule in the classic character set, so Prometheus 3 needs no quoting', () => {
    const names = [
      ...rules.groups.flatMap((g) => g.rules.flatMap((r) => [r.record ?? r.alert!, ...Object.keys(r.labels ?? {})])),
      ...all.flatMap((e) => [...e.replace(/"[^"]*"/g, '""').matchAll(/[A-Za-z_:][\w:.-]*/g)].map((m) => m[0])),
    ];
    expect(names.length).toBeGreaterThan(100);
    for (const name of names) expect(name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
  });

  it('writes le bounds as prom-client does; only the whole-second ones read differently on Prometheus 3', () => {
    const bounds = all.flatMap((e) => [...e.matchAll(/le="([^"]+)"/g)].map((m) => m[1]!));
    expect(bounds.length).toBeGreaterThan(0);
    for (const le of bounds) expect(le).toBe(leBound(Number(le)));
    // Prometheus 3 stores a whole-number bound as `1.0`: these are the selectors that miss there (a known gap).
    expect([...new Set(bounds.filter((le) => !/^\d+\.\d+$|^\+Inf$/.test(le)))].sort()).toEqual(['1', '300']);
  });
});

describe("a broker's release from its ApiVersions answer", () => {
  const int16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
  const int32 = (n: number) => Buffer.concat([int16(n >> 16), int16(n & 0xffff)]);
  const compactString = (s: string) => Buffer.concat([Buffer.from([s.length + 1]), Buffer.from(s)]);
  /** An ApiVersions v3 answer (after its size): the Produce range, and the metadata.version levels if any. */
  const answer = (produce: [number, number], metadataVersionMax?: number, error = 0) => {
    const features =
      metadataVersionMax === undefined
        ? Buffer.from([0])
        : (() => {
            const list = Buffer.concat([
              Buffer.from([2]),
              compactString('metadata.version'),
              int16(1),
              int16(metadataVersionMax),
              Buffer.from([0]),
            ]);
            return Buffer.concat([Buffer.from([1, 0, list.length]), list]);
          })();
    const apis = [
      [0, ...produce],
      [18, 0, 4],
    ].map(([key, min, max]) => Buffer.concat([int16(key!), int16(min!), int16(max!), Buffer.from([0])]));
    return Buffer.concat([int32(1), int16(error), Buffer.from([apis.length + 1]), ...apis, int32(0), features]);
  };

  it('reads the release from the highest metadata.version level the broker supports', () => {
    expect(parseApiVersions(answer([0, 11], 21)).release).toBe('3.9');
    expect(parseApiVersions(answer([0, 9], 7)).release).toBe('3.3');
    expect(parseApiVersions(answer([3, 12], 27)).release).toBe('4.0 or later');
  });

  it('knows 4.0 or later by the Produce versions it dropped, and says nothing of a broker that does not tell', () => {
    expect(parseApiVersions(answer([3, 12])).release).toBe('4.0 or later');
    expect(parseApiVersions(answer([0, 9])).release).toBeUndefined();
    expect(parseApiVersions(answer([0, 7], undefined, 35)).release).toBe('before 2.4');
  });
});
