// Every ClickHouse query of the generated dashboards (panels and template variables) runs on
// chDB against simulated traffic with incidents, its macros and variables expanded the way
// Grafana and the ClickHouse plugin expand them; each must succeed and return rows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import { StoreAnomalySink } from '../../src/sinks/anomalies.js';
import { AnomalyProcessor } from '../../src/detect/processor.js';
import { createScorers } from '../../src/detect/scorers.js';
import { serviceMetrics } from '../../src/commands/metrics.js';
import type { Store } from '../../src/store/index.js';
import { dashboardQueries, expandClickHouseMacros, expandVariables, type VariableValue } from '../support/dashboards.js';
import { runCli, tempDir } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';
import { migratedStore } from '../support/store.js';

const START = '2026-11-10T08:00:00Z';
// From two days before the traffic: access held but unused needs days before the unused window (the range's last half).
const range = { from: new Date('2026-11-08T00:00:00Z'), to: new Date('2026-11-10T12:00:00Z'), intervalSeconds: 60 };
const queries = dashboardQueries().filter((q) => q.datasource === 'grafana-clickhouse-datasource');

describe('dashboard ClickHouse queries', () => {
  let store: Store;
  const run = (sql: string, variables: Record<string, VariableValue>) =>
    store.query(expandClickHouseMacros(expandVariables(sql, variables), range));
  const all = { tenant: { all: "''" } };
  let principal = '';
  let tenant = '';
  let misconfigured = '';

  beforeAll(async () => {
    store = await migratedStore(tempDir('dashboards-ch'));
    const labelsFile = join(tempDir('dashboards-labels'), 'labels.ndjson');
    const sim = await runCli([
      'simulate',
      '--events',
      '40000',
      '--seed',
      '21',
      '--start',
      START,
      '--labels',
      labelsFile,
      '--scenario',
      'token-replay@1m+10m',
      '--scenario',
      'brute-force@2m+5m',
      '--scenario',
      'policy-misconfig@4m+6m',
    ]);
    expect(sim.code).toBe(0);
    const labels = readFileSync(labelsFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { scenario: string; tenant: string; keys: Record<string, string> });
    const misconfig = labels.find((l) => l.scenario === 'policy-misconfig')!;
    misconfigured = `${misconfig.keys.policy_id}@${misconfig.keys.policy_version}`;
    // One tenant for the single-tenant runs: the one the incidents hit, so every panel has data.
    tenant = misconfig.tenant;
    const processor = new AnomalyProcessor(createScorers(), [new StoreAnomalySink(store)], serviceMetrics().detect);
    const lines = sim.stdout.trim().split('\n');
    const pipeline = new IngestPipeline(store, pipelineOptions(), { processors: [processor] });
    for (let i = 0; i < lines.length; i += 5000)
      await pipeline.processBatch(lines.slice(i, i + 5000).map((l) => ({ value: Buffer.from(l), origin: { door: 'http' as const } })));
    // The simulator's tokens are short-lived (none is used an hour after its issue): one that is, so
    // the longest-lived tokens panel has a row to show.
    const longLived = {
      tenant,
      kind: 'token',
      emitter_id: 'idp-long-lived',
      principal_id: 'svc-report@example.test',
      time: '2026-11-10T10:30:00.000Z',
      activity: 'use',
      token_id: 'jti-long-lived',
      token_type: 'refresh',
      client_id: 'reporting',
      issued_at: '2026-11-10T08:00:00.000Z',
      expires_at: '2026-11-24T08:00:00.000Z',
    };
    // Nor does it sign service principals in with a credential's id: one that does, for the
    // service credentials panel.
    const serviceSignIn = {
      tenant,
      kind: 'auth',
      outcome: 'success',
      emitter_id: 'idp-service',
      principal_id: 'svc-report',
      principal_type: 'service',
      credential_id: 'key-report-1',
      time: '2026-11-10T10:30:00.000Z',
    };
    // And its principals keep to their peers' apps: one allowed into an app nobody else reaches.
    const rareAllow = {
      tenant,
      kind: 'policy',
      decision: 'allow',
      emitter_id: 'pep-rare',
      principal_id: 'svc-report',
      app: 'break-glass-console',
      time: '2026-11-10T10:31:00.000Z',
    };
    // And allowed into one it stopped using two days before (while still reaching the console), for access held but unused.
    const unusedAllow = { ...rareAllow, emitter_id: 'pep-unused', app: 'legacy-reports', time: '2026-11-08T09:00:00.000Z' };
    await pipeline.processBatch(
      [longLived, serviceSignIn, rareAllow, unusedAllow].map((e) => ({
        value: Buffer.from(JSON.stringify(e)),
        origin: { door: 'http' as const },
      })),
    );
    const principals = await run(queries.find((q) => q.variable === 'principal')!.text, { tenant: { value: tenant } });
    principal = String(Object.values(principals[0] ?? {})[0] ?? '');
  }, 120_000);
  afterAll(async () => {
    await store?.close();
  });

  it('covers the analyst and executive dashboards, their template variables included', () => {
    const panels = new Set(queries.map((q) => `${q.dashboard}: ${q.panel}`));
    expect(panels).toContain('ztna-analyst: Recent denials');
    expect(panels).toContain('ztna-analyst: Anomalies');
    expect(panels).toContain('ztna-analyst: Trail of $principal');
    expect(panels).toContain('ztna-analyst: $principal');
    expect(panels).toContain('ztna-executive: Riskiest principals');
    expect(panels).toContain('ztna-analyst: Principals at risk (last 24 h)');
    expect(panels).toContain('ztna-analyst: Incidents');
    expect(panels).toContain('ztna-executive: High-risk principals (last 24 h)');
    expect(panels).toContain('ztna-executive: Incidents');
    expect(panels).toContain('ztna-analyst: Longest-lived tokens in use');
    expect(panels).toContain('ztna-analyst: Service credentials and rotation');
    expect(panels).toContain('ztna-executive: Service credentials overdue for rotation');
    expect(panels).toContain('ztna-analyst: Access held but no longer used');
    expect(panels).toContain('ztna-executive: Access held but unused');
    expect(panels).toContain("ztna-executive: Access outside the peers' pattern");
    expect(panels).toContain('ztna-executive: Sessions re-evaluated within 5 minutes');
    // Every query the test below runs: 27 panel queries and 3 template variables; a panel added or removed changes this.
    expect(queries.filter((q) => !q.variable)).toHaveLength(27);
    expect(queries.filter((q) => q.variable).map((q) => `${q.dashboard}: ${q.panel}`)).toEqual([
      'ztna-analyst: $tenant',
      'ztna-analyst: $principal',
      'ztna-executive: $tenant',
    ]);
    expect(principal).not.toBe('');
  });

  it.each(queries.map((q) => [`${q.dashboard}: ${q.panel}`, q] as const))(
    '%s runs and returns rows, for all tenants and for one',
    async (_name, q) => {
      const rows = await run(q.text, { ...all, principal: { value: principal } });
      expect(rows.length, q.text).toBeGreaterThan(0);
      const oneTenant = await run(q.text, { tenant: { value: tenant }, principal: { value: principal } });
      expect(oneTenant.length, q.text).toBeGreaterThan(0);
    },
  );

  it('names the misconfigured policy and version among the top denied policies', async () => {
    const topPolicies = queries.find((q) => q.panel === 'Top denied policies')!;
    const rows = await run(topPolicies.text, { tenant: { value: tenant } });
    expect((rows[0] as { subject: string }).subject).toBe(misconfigured);
  });
});
