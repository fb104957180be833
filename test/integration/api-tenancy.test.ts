// Tenant scope on every route (issue 17, items 1 and 6): two tenants' events (and the anomalies the
// scorers raise on them) stored through the real pipeline on chDB, keys of every role scoped to
// one tenant, to both or to all. The routes are read from the fastify instance, so a route added
// without a case here fails the first test.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessRecorder } from '../../src/api/accessLog.js';
import { hashApiKey, parseApiKeys, ROLES, type Role } from '../../src/api/auth.js';
import { serviceMetrics } from '../../src/commands/metrics.js';
import { AnomalyProcessor } from '../../src/detect/processor.js';
import { createScorers } from '../../src/detect/scorers.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import { StoreAnomalySink } from '../../src/sinks/anomalies.js';
import type { Store } from '../../src/store/index.js';
import { apiServer, closeAll, httpRecords } from '../support/api.js';
import { tempDir } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';
import { migratedStore } from '../support/store.js';

const TENANTS = ['acme', 'globex'] as const;
type Tenant = (typeof TENANTS)[number];
const other = (t: Tenant): Tenant => (t === 'acme' ? 'globex' : 'acme');

/** Scopes the keys are given: one tenant, both by name, every tenant without a fourth field and with `*`. */
const SCOPES = { acme: ':acme', globex: ':globex', both: ':acme+globex', all: '', star: ':*' } as const;
type Scope = keyof typeof SCOPES;
const secret = (role: Role, scope: Scope) => `secret-${role}-${scope}-0123456789`;
const KEYS = parseApiKeys(
  ROLES.flatMap((role) =>
    Object.entries(SCOPES).map(([scope, field]) => `${role}-${scope}:${role}:${hashApiKey(secret(role, scope as Scope))}${field}`),
  ).join('\n'),
);

// Events two hours ago: inside every default window (24 h trails and anomalies, 1 d SLIs, 7 d
// risk summary) and, with the explicit range below, apart from the access events of this test.
// On a minute, so that mallory's dozen failures fall in one minute.
const NOW = Math.floor(Date.now() / 60_000) * 60_000;
const at = (minutes: number) => new Date(NOW - 2 * 3600_000 + minutes * 60_000).toISOString();
const RANGE = `from=${at(-60)}&to=${at(60)}`;

let seq = 0;
/** The same story in both tenants, with counts that differ so that their figures do too. */
function tenantEvents(t: Tenant, extraLogins: number) {
  const base = { tenant: t, emitter_id: `idp-${t}`, src_ip: t === 'acme' ? '198.51.100.7' : '203.0.113.9' };
  const e = (minutes: number, fields: Record<string, unknown>) => ({ ...base, emitter_seq: ++seq, time: at(minutes), ...fields });
  const ann = { principal_id: `ann@${t}`, device_id: `laptop-${t}`, session_id: `s-${t}`, correlation_id: `c-${t}` };
  return [
    ...Array.from({ length: 2 + extraLogins }, (_, i) => e(i / 10, { kind: 'auth', outcome: 'success', ...ann })),
    e(0.5, { kind: 'posture', compliant: true, device_id: `laptop-${t}` }),
    e(1, { kind: 'policy', decision: 'allow', app: `crm-${t}`, policy_id: 'crm/allow', eval_latency_ms: 4, ...ann }),
    e(1.1, { kind: 'policy', decision: 'deny', app: 'payroll', policy_id: 'payroll/deny', eval_latency_ms: 6, ...ann }),
    e(1.2, { kind: 'token', activity: 'issue', token_id: `tok-${t}`, ...ann }),
    // A session id both tenants' systems happen to use: each tenant sees its own events of it.
    e(2, { kind: 'auth', outcome: 'success', principal_id: `pat@${t}`, session_id: 'shared-session' }),
    e(2.1, { kind: 'policy', decision: 'allow', app: 'wiki', principal_id: `pat@${t}`, session_id: 'shared-session' }),
    // mallory's password guessed a dozen times in a minute: a denial burst in each tenant.
    ...Array.from({ length: 12 }, (_, i) =>
      e(10 + i / 20, { kind: 'auth', outcome: 'failure', principal_id: `mallory@${t}`, failure_reason: 'bad password' }),
    ),
    // pat's one allow into the wiki two days before the rest: unused since, and the only one there.
    e(-24 * 60 * 2, { kind: 'policy', decision: 'allow', app: `old-wiki-${t}`, principal_id: `pat@${t}` }),
    // A service principal's sign-in with its credential's id: the credentials route lists it.
    e(3, { kind: 'auth', outcome: 'success', principal_id: `sync@${t}`, principal_type: 'service', credential_id: `key-${t}` }),
    // A token issued an hour and a half before its use: the long-lived tokens route lists it.
    e(3.5, { kind: 'token', activity: 'use', token_id: `tok-old-${t}`, issued_at: at(-90), ...ann }),
    // A later minute closes mallory's, so the scorer judges it.
    e(12, { kind: 'auth', outcome: 'success', ...ann }),
  ];
}

type Response = LightMyRequestResponse;

/** How one read route is checked: its reads, what an answer shows, and where it names a subject. */
interface ReadCase {
  role: Role;
  /**
   * Reads of the route (each with a query string, so `&tenant=` can be added) that find data in
   * both tenants; none for a route about one subject of one tenant, checked by `subject` alone.
   */
  reads: string[];
  /** What an answer shows, compared between keys. */
  view(res: Response): unknown;
  /** The tenants of the rows an answer lists, where it lists rows. */
  tenants?(res: Response): string[];
  /** Figures that add up over tenants (counts), where the answer has them: each tenant's sum to every tenant's. */
  counts?(res: Response): number[];
  /** A read naming a subject (a session, a principal) of the tenant given. */
  subject?(t: Tenant): string;
}

/** How one write route is checked: a body of events (or alerts) of the tenants given, and how many of each tenant's are stored. */
interface WriteCase {
  role: Role;
  write(tenants: readonly string[]): InjectOptions;
  /** SQL giving `tenant, n`: what the route's writes stored per tenant. */
  stored: string;
}

const sorted = (values: string[]) => [...values].sort();
const tenantOfPrincipal = (principal: string) => principal.slice(principal.indexOf('@') + 1);

const CASES: Record<string, ReadCase | WriteCase> = {
  'GET /api/v1/trails': {
    role: 'analyst',
    reads: [
      `/api/v1/trails?${RANGE}&limit=1000`,
      `/api/v1/trails?${RANGE}&session_id=shared-session`,
      `/api/v1/trails?${RANGE}&app=payroll&related=true`,
      `/api/v1/trails?${RANGE}&format=ndjson`,
    ],
    view: (res) => sorted(trailEvents(res).map((e) => `${e.tenant}/${e.event_id}/${e.related}`)),
    tenants: (res) => trailEvents(res).map((e) => e.tenant),
    subject: (t) => `/api/v1/trails?${RANGE}&principal=ann@${t}`,
  },
  'GET /api/v1/sessions/:id': {
    role: 'analyst',
    reads: [`/api/v1/sessions/shared-session?${RANGE}`],
    view: (res) => res.json<{ events: Array<{ tenant: string; event_id: string }> }>().events.map((e) => `${e.tenant}/${e.event_id}`),
    tenants: (res) => res.json<{ tenants: string[] }>().tenants,
    subject: (t) => `/api/v1/sessions/s-${t}?${RANGE}`,
  },
  'GET /api/v1/anomalies': {
    role: 'analyst',
    reads: ['/api/v1/anomalies?min_score=0'],
    view: (res) => sorted(anomalies(res).map((a) => `${a.tenant}/${a.anomaly_id}`)),
    tenants: (res) => anomalies(res).map((a) => a.tenant),
  },
  'GET /api/v1/principals': {
    role: 'analyst',
    reads: [`/api/v1/principals?to=${at(60)}&window=1d`],
    view: (res) => sorted(principals(res).map((p) => `${p.tenant}/${p.principal_id}/${p.level}`)),
    tenants: (res) => principals(res).map((p) => p.tenant),
  },
  'GET /api/v1/principals/:id/risk': {
    role: 'analyst',
    reads: [],
    view: (res) =>
      res.json<{ level: string; tenants: Array<{ tenant: string; level: string }> }>().tenants.map((t) => `${t.tenant}/${t.level}`),
    tenants: (res) => res.json<{ tenants: Array<{ tenant: string }> }>().tenants.map((t) => t.tenant),
    subject: (t) => `/api/v1/principals/mallory@${t}/risk?to=${at(60)}`,
  },
  'GET /api/v1/incidents': {
    role: 'analyst',
    reads: [`/api/v1/incidents?${RANGE}`, `/api/v1/incidents?${RANGE}&state=closed&window=10m`],
    view: (res) => sorted(incidents(res).map((i) => `${i.tenant}/${i.incident_id}/${i.state}`)),
    tenants: (res) => incidents(res).map((i) => i.tenant),
    counts: (res) => [incidents(res).length],
  },
  'GET /api/v1/credentials': {
    role: 'analyst',
    reads: [`/api/v1/credentials?${RANGE}`],
    view: (res) => sorted(credentials(res).map((c) => `${c.tenant}/${c.principal_id}/${c.credential_id}`)),
    tenants: (res) => credentials(res).map((c) => c.tenant),
    counts: (res) => [credentials(res).length],
  },
  'GET /api/v1/tokens/long-lived': {
    role: 'analyst',
    reads: [`/api/v1/tokens/long-lived?${RANGE}`],
    view: (res) => sorted(longLivedTokens(res).map((t) => `${t.tenant}/${t.token_id}`)),
    tenants: (res) => longLivedTokens(res).map((t) => t.tenant),
    counts: (res) => [longLivedTokens(res).length],
  },
  'GET /api/v1/access/unused': {
    role: 'analyst',
    reads: [`/api/v1/access/unused?from=${at(-3 * 24 * 60)}&to=${at(60)}&unused_for=1d`],
    view: (res) => sorted(findings(res).map((f) => `${f.tenant}/${f.principal_id}/${f.app}`)),
    tenants: (res) => findings(res).map((f) => f.tenant),
    counts: (res) => [findings(res).length],
  },
  'GET /api/v1/access/rare': {
    role: 'analyst',
    reads: [`/api/v1/access/rare?${RANGE}&min_principals=1&max_share=0.6`],
    view: (res) => sorted(findings(res).map((f) => `${f.tenant}/${f.principal_id}/${f.app}`)),
    tenants: (res) => findings(res).map((f) => f.tenant),
    counts: (res) => [findings(res).length],
  },
  'GET /api/v1/incidents/:id': {
    role: 'analyst',
    reads: [],
    view: (res) => res.json<{ anomalies: Array<{ anomaly_id: string }> }>().anomalies.map((a) => a.anomaly_id),
    tenants: (res) => [res.json<{ tenant: string }>().tenant],
    subject: (t) => `/api/v1/incidents/${openedBy.get(t)}?window=1h`,
  },
  'GET /api/v1/slis': {
    role: 'sre',
    reads: ['/api/v1/slis?window=1d'],
    view: (res) => slis(res).map((s) => [s.slo, s.good, s.valid]),
    counts: (res) => slis(res).flatMap((s) => [s.good, s.valid]),
  },
  'GET /api/v1/risk-summary': {
    role: 'executive',
    reads: ['/api/v1/risk-summary?period=7d'],
    view: (res) => {
      const r = res.json<RiskView>();
      return [r.auth_success_rate.value, r.denials.total.value, r.anomalies.total.value, r.top_risky_principals, r.top_risky_apps];
    },
    tenants: (res) => res.json<RiskView>().top_risky_principals.map((p) => tenantOfPrincipal(p.principal_id)),
    counts: (res) => {
      const r = res.json<RiskView>();
      return [r.denials.total.value ?? 0, r.anomalies.total.value ?? 0];
    },
  },
  'POST /api/v1/events': {
    role: 'ingest',
    // Two months back: outside every range and window the reads above look at.
    write: (tenants) => ({
      method: 'POST',
      url: '/api/v1/events',
      payload: tenants.map((tenant) => ({
        kind: 'auth',
        tenant,
        time: at(-60 * 24 * 60),
        emitter_id: 'ingest-test',
        emitter_seq: ++seq,
        outcome: 'success',
        principal_id: `written@${tenant}`,
      })),
    }),
    stored: "SELECT tenant, count() AS n FROM events FINAL WHERE emitter_id = 'ingest-test' GROUP BY tenant ORDER BY tenant",
  },
  'POST /api/v1/alerts': {
    role: 'ingest',
    // An SLO page per tenant, each a start of its own, two months back like the events above.
    write: (tenants) => ({
      method: 'POST',
      url: '/api/v1/alerts',
      payload: {
        version: '4',
        status: 'firing',
        receiver: 'ztna',
        alerts: tenants.map((tenant) => ({
          status: 'firing',
          labels: { alertname: 'ZtnaErrorBudgetBurn', severity: 'page', slo: 'auth-availability', tenant },
          annotations: {},
          startsAt: new Date(Date.parse(at(-60 * 24 * 60)) + ++seq * 1000).toISOString(),
          fingerprint: 'f00df00df00df00d',
        })),
      },
    }),
    stored: 'SELECT tenant, count() AS n FROM alert_pages FINAL GROUP BY tenant ORDER BY tenant',
  },
};

/** Open routes (no credential): none of them reads a tenant's events. */
const OPEN_ROUTES = ['GET /healthz', 'GET /metrics', 'GET /openapi.json', 'GET /readyz'];

interface RiskView {
  auth_success_rate: { value: number | null };
  denials: { total: { value: number | null } };
  anomalies: { total: { value: number | null } };
  top_risky_principals: Array<{ principal_id: string }>;
  top_risky_apps: Array<{ app: string }>;
}

function trailEvents(res: Response): Array<{ tenant: string; event_id: string; related: boolean }> {
  if (res.headers['content-type']?.toString().startsWith('application/x-ndjson'))
    return res.body
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  return res.json<{ events: Array<{ tenant: string; event_id: string; related: boolean }> }>().events;
}
const slis = (res: Response) => res.json<{ slis: Array<{ slo: string; good: number; valid: number }> }>().slis;
const anomalies = (res: Response) => res.json<{ anomalies: Array<{ tenant: string; anomaly_id: string }> }>().anomalies;
const principals = (res: Response) => res.json<{ principals: Array<{ tenant: string; principal_id: string; level: string }> }>().principals;
const incidents = (res: Response) => res.json<{ incidents: Array<{ tenant: string; incident_id: string; state: string }> }>().incidents;
const findings = (res: Response) => res.json<{ findings: Array<{ tenant: string; principal_id: string; app: string }> }>().findings;
const longLivedTokens = (res: Response) => res.json<{ tokens: Array<{ tenant: string; token_id: string }> }>().tokens;
const credentials = (res: Response) =>
  res.json<{ credentials: Array<{ tenant: string; principal_id: string; credential_id: string }> }>().credentials;
/** The anomaly that opened mallory's incident, per tenant (read once stored). */
const openedBy = new Map<string, string>();

const READ_CASES = Object.entries(CASES).filter((entry): entry is [string, ReadCase] => 'reads' in entry[1]);
const WRITE_CASES = Object.entries(CASES).filter((entry): entry is [string, WriteCase] => 'write' in entry[1]);

describe('tenant scope on every route', () => {
  let store: Store;
  let app: FastifyInstance;
  let access: AccessRecorder;
  const routes: string[] = [];

  beforeAll(async () => {
    store = await migratedStore(tempDir('api-tenancy'));
    const processor = new AnomalyProcessor(createScorers(), [new StoreAnomalySink(store)], serviceMetrics().detect);
    const pipeline = new IngestPipeline(store, pipelineOptions(), { processors: [processor] });
    const events = [...tenantEvents('acme', 0), ...tenantEvents('globex', 3)].sort((a, b) => a.time.localeCompare(b.time));
    const result = await pipeline.processBatch(httpRecords(events));
    expect(result.rejects).toEqual([]);
    for (const t of TENANTS) {
      const [opening] = await store.query<{ anomaly_id: string }>(
        'SELECT anomaly_id FROM anomalies FINAL WHERE tenant = {t:String} AND key = {key:String} ORDER BY time LIMIT 1',
        { t, key: `principal:mallory@${t}` },
      );
      openedBy.set(t, opening!.anomaly_id);
    }
    // Flushed by the last test only: until then the access events cannot change what the reads see.
    access = new AccessRecorder(
      (records) => pipeline.processBatch(records),
      'ztna-ops',
      (err) => {
        throw err;
      },
      3600_000,
    );
    app = apiServer(store, { apiKeys: KEYS, access, ingest: pipeline });
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push(`${method} ${route.url}`);
    });
    await app.ready();
  });
  afterAll(() => closeAll(access, app, store));

  const withKey = (request: InjectOptions, role: Role, scope: Scope): InjectOptions => ({
    ...request,
    headers: { ...request.headers, authorization: `Bearer ${secret(role, scope)}` },
  });
  const as = (role: Role, scope: Scope, url: string) => app.inject(withKey({ url }, role, scope));
  /** Every key that may call a route of the role, scoped as given. */
  const callers = (role: Role) => [role, 'admin' as const];

  it('has a tenancy case for every route the server registers', () => {
    expect(sorted(routes.filter((r) => r.includes('/api/')))).toEqual(sorted(Object.keys(CASES)));
    expect(sorted(routes.filter((r) => !r.includes('/api/')))).toEqual(OPEN_ROUTES);
  });

  describe.each(READ_CASES)('%s', (_route, c) => {
    it.each(c.reads)('%s: each tenant has its own data, and * sees both', async (url) => {
      const [all, acme, globex] = await Promise.all([
        as(c.role, 'all', url),
        as(c.role, 'all', `${url}&tenant=acme`),
        as(c.role, 'all', `${url}&tenant=globex`),
      ]);
      for (const res of [all, acme, globex]) expect(res.statusCode, res.body).toBe(200);
      expect(c.view(acme)).not.toEqual(c.view(globex));
      expect(c.view(all)).not.toEqual(c.view(acme));
      if (c.tenants) {
        expect(sorted([...new Set(c.tenants(all))])).toEqual(['acme', 'globex']);
        expect(new Set(c.tenants(acme))).toEqual(new Set(['acme']));
        expect(new Set(c.tenants(globex))).toEqual(new Set(['globex']));
      }
      if (c.counts) {
        const [a, g, sum] = [c.counts(acme), c.counts(globex), c.counts(all)];
        expect(sum.some((n) => n > 0)).toBe(true);
        expect(a.map((n, i) => n + g[i]!)).toEqual(sum);
      }
      for (const role of callers(c.role))
        for (const scope of ['star', 'both'] as const) expect(c.view(await as(role, scope, url)), `${role}-${scope}`).toEqual(c.view(all));
    });

    it.each(c.reads)("%s: a tenant's key reads its own tenant only, with or without tenant=", async (url) => {
      for (const role of callers(c.role))
        for (const t of TENANTS) {
          const own = c.view(await as(role, 'all', `${url}&tenant=${t}`));
          for (const read of [url, `${url}&tenant=${t}`]) {
            const res = await as(role, t, read);
            expect(res.statusCode, `${role}-${t} ${read}: ${res.body}`).toBe(200);
            expect(c.view(res), `${role}-${t} ${read}`).toEqual(own);
            if (c.tenants) expect(new Set(c.tenants(res)), `${role}-${t} ${read}`).toEqual(new Set([t]));
          }
        }
    });

    it("answers 403 to a tenant= filter outside the key's tenants, whether that tenant exists or not", async () => {
      const url = c.reads[0] ?? c.subject!('acme');
      for (const role of callers(c.role))
        for (const t of TENANTS)
          for (const foreign of [other(t), 'initech']) {
            const res = await as(role, t, `${url}&tenant=${foreign}`);
            expect(res.statusCode, `${role}-${t} tenant=${foreign}`).toBe(403);
            expect(res.json()).toEqual({
              error: 'forbidden',
              message: `tenant ${foreign} is outside the tenants of key ${role}-${t} (${t})`,
            });
          }
    });

    const subject = c.subject;
    if (subject)
      it('answers a subject of another tenant exactly as one that does not exist', async () => {
        for (const role of callers(c.role))
          for (const t of TENANTS) {
            const mine = await as(role, t, subject(t));
            expect(mine.statusCode, mine.body).toBe(200);
            expect(c.tenants!(mine).length).toBeGreaterThan(0);
            const foreign = await as(role, t, subject(other(t)));
            // The same look-up where that subject does not exist: a tenant without any event.
            const nowhere = await as(role, 'all', `${subject(other(t))}&tenant=initech`);
            expect([foreign.statusCode, foreign.headers['content-type'], foreign.body]).toEqual([
              nowhere.statusCode,
              nowhere.headers['content-type'],
              nowhere.body,
            ]);
          }
      });
  });

  describe.each(WRITE_CASES)('%s', (_route, c) => {
    const written = async () => {
      const rows = await store.query<{ tenant: string; n: string }>(c.stored);
      return Object.fromEntries(rows.map((r) => [r.tenant, Number(r.n)]));
    };

    it("writes a tenant's events with its key, and refuses a body holding another tenant's whole, storing nothing", async () => {
      for (const role of callers(c.role))
        for (const t of TENANTS) {
          const before = await written();
          const own = await app.inject(withKey(c.write([t]), role, t));
          expect(own.statusCode, own.body).toBe(200);
          const mixed = await app.inject(withKey(c.write([t, other(t), t]), role, t));
          expect(mixed.statusCode).toBe(403);
          expect(mixed.json()).toEqual({
            error: 'forbidden',
            message: `nothing stored: tenant ${other(t)} is outside the tenants of key ${role}-${t} (${t})`,
          });
          expect(await written()).toEqual({ ...before, [t]: (before[t] ?? 0) + 1 });
        }
    });

    it('writes every tenant with a key of every tenant or of both', async () => {
      for (const role of callers(c.role))
        for (const scope of ['all', 'star', 'both'] as const) {
          const res = await app.inject(withKey(c.write(TENANTS), role, scope));
          expect(res.statusCode, `${role}-${scope}: ${res.body}`).toBe(200);
        }
    });
  });

  it('answers a session of another tenant with the 404 of a session that does not exist', async () => {
    const foreign = await as('analyst', 'acme', `/api/v1/sessions/s-globex?${RANGE}`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toEqual({
      error: 'not_found',
      message: `no event of session s-globex between ${at(-60)} and ${at(60)}`,
    });
  });

  it("records every access with the credential's kind, name and tenant scope (item 6)", async () => {
    await as('analyst', 'acme', `/api/v1/anomalies?tenant=globex`);
    await as('sre', 'both', `/api/v1/slis`);
    await access.flush();
    const policy = await store.query<{ principal_id: string; decision: string; action: string; reasons: string[] }>(
      "SELECT principal_id, toString(decision) AS decision, action, reasons FROM events FINAL WHERE kind = 'policy' AND source = 'ztna-api'",
    );
    expect(policy).toContainEqual({
      principal_id: 'analyst-acme',
      decision: 'deny',
      action: 'GET /api/v1/anomalies',
      reasons: ['tenant globex is outside the tenants of key analyst-acme (acme)', 'tenants acme'],
    });
    expect(policy).toContainEqual({
      principal_id: 'sre-both',
      decision: 'allow',
      action: 'GET /api/v1/slis',
      reasons: ['role sre', 'tenants acme+globex'],
    });
    expect(policy).toContainEqual(expect.objectContaining({ principal_id: 'admin-all', reasons: ['role admin', 'tenants *'] }));
    // The ingest body with another tenant's events, refused by the route after the hook let it in.
    expect(policy).toContainEqual({
      principal_id: 'ingest-acme',
      decision: 'deny',
      action: 'POST /api/v1/events',
      reasons: ['nothing stored: tenant globex is outside the tenants of key ingest-acme (acme)', 'tenants acme'],
    });
    const methods = await store.query<{ principal_id: string; auth_method: string; tenant: string }>(
      "SELECT DISTINCT principal_id, auth_method, tenant FROM events FINAL WHERE kind = 'auth' AND source = 'ztna-api'",
    );
    expect(methods).toContainEqual({ principal_id: 'analyst-acme', auth_method: 'api_key', tenant: 'ztna-ops' });
    const everything = JSON.stringify(await store.query("SELECT * FROM events FINAL WHERE source = 'ztna-api'"));
    for (const role of ROLES) for (const scope of Object.keys(SCOPES)) expect(everything).not.toContain(secret(role, scope as Scope));
  });
});
