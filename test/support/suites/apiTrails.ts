// GET /api/v1/trails and /api/v1/sessions/:id on a store (chDB, or a ClickHouse server through
// ClickHouseServerStore): filters, the session/correlation join, keyset pages that stay stable while
// events arrive, streamed NDJSON and CSV exports, posture at each decision, and 4xx for every bad request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { TrailPage, type TrailEvent } from '../../../src/api/trails/schema.js';
import { SessionTimeline } from '../../../src/api/sessions.js';
import { IngestPipeline } from '../../../src/pipeline/pipeline.js';
import type { Store } from '../../../src/store/index.js';
import { apiServer, closeAll, httpRecords, keyOf, requestsAs } from '../api.js';
import { runCli } from '../helpers.js';
import { pipelineOptions } from '../pipeline.js';
import type { OpenStore } from '../stores.js';

const T0 = Date.parse('2026-11-10T09:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const RANGE = `from=2026-11-09T00:00:00Z&to=2026-11-12T00:00:00Z`;

// One analyst story: ann logs in on d1, gets a token, is allowed to crm while compliant, her
// device's EDR stops, and the next decision denies her. Bob's failed logins come from elsewhere.
let seq = 0;
const ann = {
  tenant: 'acme',
  principal_id: 'ann@acme.example',
  device_id: 'd1',
  src_ip: '81.2.69.10',
  session_id: 's-ann',
  user_agent: 'Firefox, 132',
};
const story = [
  {
    ...ann,
    kind: 'posture',
    emitter_id: 'agent',
    time: at(-5),
    compliant: true,
    checks: [{ name: 'edr_running', passed: true }],
    session_id: undefined,
  },
  { ...ann, kind: 'auth', emitter_id: 'idp', time: at(0), outcome: 'success', correlation_id: 'c-login', app: 'crm' },
  { ...ann, kind: 'token', emitter_id: 'tok', time: at(1), activity: 'issue', token_id: 'jti-ann', correlation_id: 'c-login' },
  {
    ...ann,
    kind: 'policy',
    emitter_id: 'pep',
    time: at(2),
    decision: 'allow',
    app: 'crm',
    policy_id: 'crm/allow',
    policy_version: 'v7',
    eval_latency_ms: 4,
  },
  {
    ...ann,
    kind: 'posture',
    emitter_id: 'agent',
    time: at(3),
    compliant: false,
    checks: [{ name: 'edr_running', passed: false }],
    session_id: undefined,
  },
  {
    ...ann,
    kind: 'policy',
    emitter_id: 'pep',
    time: at(4),
    decision: 'deny',
    app: 'crm',
    policy_id: 'crm/allow',
    policy_version: 'v7',
    reasons: ['device not compliant'],
  },
  {
    tenant: 'acme',
    kind: 'auth',
    emitter_id: 'idp',
    time: at(5),
    outcome: 'failure',
    principal_id: '=HYPERLINK("http://evil")',
    src_ip: '45.9.9.9',
    failure_reason: 'bad password, locked',
  },
  {
    tenant: 'acme',
    kind: 'auth',
    emitter_id: 'idp',
    time: at(6),
    outcome: 'failure',
    principal_id: 'bob@acme.example',
    src_ip: '45.9.9.9',
  },
].map((e) => ({ ...e, emitter_seq: ++seq }));

export function apiTrailsSuite(storeName: string, open: OpenStore): void {
  describe(`GET /api/v1/trails and /api/v1/sessions/:id on ${storeName}`, () => {
    let store: Store;
    let app: FastifyInstance;
    let pipeline: IngestPipeline;
    let simulated: string[];
    beforeAll(async () => {
      store = await open('api-trails');
      pipeline = new IngestPipeline(store, pipelineOptions(), {});
      const sim = await runCli(['simulate', '--events', '2500', '--seed', '11', '--start', '2026-11-10T10:00:00Z']);
      simulated = sim.stdout.trim().split('\n');
      const result = await pipeline.processBatch(httpRecords([...story, ...simulated]));
      expect(result.rejected).toBe(0);
      // A small export page, so that the exports below span many store queries.
      app = apiServer(store, { exportPageSize: 97 });
    });
    afterAll(() => closeAll(app, store));

    const get = (url: string, headers: Record<string, string> = {}) => requestsAs(app, 'analyst')({ url, headers });
    const page = async (qs: string) => {
      const res = await get(`/api/v1/trails?${qs}`);
      expect(res.statusCode, res.body).toBe(200);
      return TrailPage.parse(res.json());
    };
    const countInRange = async () =>
      Number(
        (await store.query<{ n: string }>(`SELECT count() AS n FROM access_events WHERE time >= '2026-11-09' AND time < '2026-11-12'`))[0]!
          .n,
      );
    const summary = (e: TrailEvent) =>
      `${e.kind} ${e.decision || e.outcome || e.activity || e.compliant} ${e.related ? 'related' : 'match'}`;

    it("joins a token's trail to its session: the login, the decisions it was used for", async () => {
      const { events } = await page(`${RANGE}&token_id=jti-ann`);
      expect(events.map(summary)).toEqual(['auth success related', 'token issue match', 'policy allow related', 'policy deny related']);
      expect(events.map((e) => e.time)).toEqual([at(0), at(1), at(2), at(4)]);
      expect((await page(`${RANGE}&token_id=jti-ann&related=false`)).events.map(summary)).toEqual(['token issue match']);
    });

    it('filters by principal, device, app, source IP, decision and outcome', async () => {
      expect((await page(`${RANGE}&principal=ann@acme.example`)).events).toHaveLength(6);
      expect((await page(`${RANGE}&device=d1&related=false`)).events.map(summary)).toEqual([
        'posture true match',
        'auth success match',
        'token issue match',
        'policy allow match',
        'posture false match',
        'policy deny match',
      ]);
      const denied = await page(`${RANGE}&principal=ann@acme.example&decision=deny`);
      expect(denied.events.map((e) => [e.decision, e.reasons])).toEqual([['deny', ['device not compliant']]]);
      const fromBadIp = await page(`${RANGE}&src_ip=45.9.9.9&outcome=failure`);
      expect(fromBadIp.events.map((e) => e.principal_id)).toEqual(['=HYPERLINK("http://evil")', 'bob@acme.example']);
      const crm = await page(`${RANGE}&app=crm&principal=ann@acme.example&related=false`);
      expect(crm.events.map(summary)).toEqual(['auth success match', 'policy allow match', 'policy deny match']);
    });

    it('pages through the whole range with a cursor: every event once, in time order', async () => {
      const n = await countInRange();
      const seen: TrailEvent[] = [];
      let cursor: string | null = null;
      do {
        const p: ReturnType<typeof TrailPage.parse> = await page(`${RANGE}&limit=400${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...p.events);
        cursor = p.next_cursor;
      } while (cursor);
      expect(seen.length).toBe(n);
      expect(new Set(seen.map((e) => `${e.kind}/${e.event_id}`)).size).toBe(seen.length);
      const order = seen.map((e) => `${e.time} ${e.kind} ${e.event_id}`);
      expect(order).toEqual([...order].sort());
    });

    it('sees a redelivered batch once: in pages, in a related trail and in a session timeline', async () => {
      // The same records again, as after a consumer died between insert and commit: the copies are
      // separate rows until a merge (held off here), and the trail reads without FINAL.
      await store.command('SYSTEM STOP MERGES events');
      await pipeline.processBatch(httpRecords([...story, ...simulated.slice(0, 800)]));
      const inRange = "time >= '2026-11-09' AND time < '2026-11-12'";
      const raw = Number((await store.query<{ n: string }>(`SELECT count() AS n FROM events WHERE ${inRange}`))[0]!.n);
      const n = await countInRange();
      expect(raw - n).toBeGreaterThanOrEqual(800);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const p: ReturnType<typeof TrailPage.parse> = await page(`${RANGE}&limit=300${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...p.events.map((e) => `${e.kind}/${e.event_id}`));
        cursor = p.next_cursor;
      } while (cursor);
      expect(seen.length).toBe(n);
      expect(new Set(seen).size).toBe(n);
      const { events } = await page(`${RANGE}&token_id=jti-ann`);
      expect(events.map(summary)).toEqual(['auth success related', 'token issue match', 'policy allow related', 'policy deny related']);
      const res = await get(`/api/v1/sessions/s-ann?${RANGE}`);
      expect(res.statusCode, res.body).toBe(200);
      const timeline = SessionTimeline.parse(res.json());
      expect(new Set(timeline.events.map((e) => e.event_id)).size).toBe(timeline.events.length);
      expect(timeline.events.length).toBeGreaterThanOrEqual(4);
      await store.command('SYSTEM START MERGES events');
    });

    it('keeps pages stable while events arrive: nothing repeats, nothing that was there goes missing', async () => {
      const first = await page(`from=2026-11-10T10:00:00Z&limit=500`);
      const before = new Set<string>();
      for (let p = first, c = first.next_cursor; ;) {
        // Collect what existed before the inserts by a separate walk of the same query.
        p.events.forEach((e) => before.add(e.event_id));
        if (!c) break;
        p = await page(`from=2026-11-10T10:00:00Z&limit=500&cursor=${c}`);
        c = p.next_cursor;
      }
      const last = first.events.at(-1)!;
      // New events: one before the cursor, one after it, a redelivery of an event already seen.
      const arriving = [
        {
          tenant: 'acme',
          kind: 'auth',
          emitter_id: 'late',
          emitter_seq: 1,
          time: '2026-11-10T10:00:00.001Z',
          outcome: 'success',
          principal_id: 'early@acme.example',
        },
        {
          tenant: 'acme',
          kind: 'auth',
          emitter_id: 'late',
          emitter_seq: 2,
          time: new Date(Date.parse(last.time) + 1).toISOString(),
          outcome: 'success',
          principal_id: 'later@acme.example',
        },
        JSON.parse(simulated[0]!),
      ];
      await pipeline.processBatch(httpRecords(arriving));
      const ids: string[] = first.events.map((e) => e.event_id);
      for (let c = first.next_cursor; c;) {
        const p = await page(`from=2026-11-10T10:00:00Z&limit=500&cursor=${c}`);
        ids.push(...p.events.map((e) => e.event_id));
        c = p.next_cursor;
      }
      expect(new Set(ids).size).toBe(ids.length);
      expect([...before].filter((id) => !ids.includes(id))).toEqual([]);
      const principals = await page(`from=2026-11-10T10:00:00Z&limit=1000&principal=later@acme.example`);
      expect(principals.events).toHaveLength(1);
      expect(ids).toContain(principals.events[0]!.event_id);
    });

    it('streams the whole range as NDJSON or CSV, page by page, equal to the JSON pages', async () => {
      const qs = `${RANGE}&principal=ann@acme.example`;
      const json = (await page(qs)).events;
      const ndjson = await get(`/api/v1/trails?${qs}`, { accept: 'application/x-ndjson' });
      expect(ndjson.statusCode).toBe(200);
      expect(ndjson.headers['content-type']).toMatch(/^application\/x-ndjson/);
      expect(
        ndjson.body
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l)),
      ).toEqual(json);

      const all = await get(`/api/v1/trails?${RANGE}&format=ndjson`);
      const exported = all.body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as TrailEvent);
      const n = await countInRange();
      expect(exported.length).toBe(n);
      expect(exported.length).toBeGreaterThan(97 * 20);
      expect(new Set(exported.map((e) => `${e.kind}/${e.event_id}`)).size).toBe(exported.length);

      const csv = await get(`/api/v1/trails?${RANGE}&src_ip=45.9.9.9`, { accept: 'text/csv' });
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      expect(csv.headers['content-disposition']).toMatch(/attachment; filename="trail-2026-11-09-2026-11-12.csv"/);
      const rows = csv.body.trimEnd().split('\r\n');
      expect(rows[0]!.split(',').slice(0, 3)).toEqual(['kind', 'time', 'event_id']);
      expect(rows).toHaveLength(3);
      // A principal that a spreadsheet would run as a formula is neutralised, and quoted.
      expect(rows[1]).toContain(`"'=HYPERLINK(""http://evil"")"`);
      expect(rows[1]).toContain('"bad password, locked"');
    });

    it("gives a session's timeline with the device's posture at each decision", async () => {
      const res = await get(`/api/v1/sessions/s-ann?${RANGE}`);
      expect(res.statusCode, res.body).toBe(200);
      const timeline = SessionTimeline.parse(res.json());
      expect(timeline).toMatchObject({ principals: ['ann@acme.example'], devices: ['d1'], start: at(0), end: at(4), truncated: false });
      const decisions = timeline.events.filter((e) => e.kind === 'policy');
      expect(decisions.map((e) => [e.decision, e.posture?.time, e.posture?.compliant, e.posture?.failed_checks])).toEqual([
        ['allow', at(-5), true, []],
        ['deny', at(3), false, ['edr_running']],
      ]);
      const missing = await get(`/api/v1/sessions/s-nobody?${RANGE}`);
      expect(missing.statusCode).toBe(404);
      expect(missing.json().message).toMatch(/no event of session s-nobody/);
    });

    it('answers bad requests with 400 and a message, and binds every value', async () => {
      const other = (await page(`${RANGE}&limit=1&principal=ann@acme.example`)).next_cursor!;
      for (const [qs, message] of [
        ['limit=1001', /^limit: /],
        ['limit=0', /^limit: /],
        ['from=2026-01-01T00:00:00Z&to=2026-11-01T00:00:00Z', /90 days at most/],
        ['from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z', /from must be before to/],
        ['src_ip=not-an-ip', /^src_ip: /],
        ['decision=maybe', /^decision: /],
        ['related=perhaps', /^related: /],
        ['cursor=garbage', /^cursor: not a cursor/],
        [`${RANGE}&cursor=${other}`, /^cursor: the cursor belongs to a query with other filters/],
        ['format=xml', /^format: /],
      ] as const) {
        const res = await get(`/api/v1/trails?${qs}`);
        expect(res.statusCode, qs).toBe(400);
        expect(res.json().message, qs).toMatch(message);
      }
      const injection = await page(`${RANGE}&principal=${encodeURIComponent("x' OR 1=1 --")}`);
      expect(injection.events).toEqual([]);
      expect((await page(`${RANGE}&principal=ann@acme.example`)).events).toHaveLength(6);
      expect((await get(`/api/v1/sessions/${'x'.repeat(257)}`)).json().message).toMatch(/^id: Too big/);
      const longId = await get(`/api/v1/sessions/${'x'.repeat(400)}`);
      expect(longId.statusCode).toBe(414);
      expect(longId.json().message).toMatch(/exceeding the max param length/);
    });

    it('lets analysts in and keeps other roles out', async () => {
      expect((await get(`/api/v1/trails?${RANGE}`, { authorization: `Bearer ${keyOf('executive')}` })).statusCode).toBe(403);
      expect((await get(`/api/v1/sessions/s-ann?${RANGE}`, { authorization: `Bearer ${keyOf('executive')}` })).statusCode).toBe(403);
      expect((await get(`/api/v1/trails?${RANGE}`, { authorization: 'Bearer nope' })).statusCode).toBe(401);
    });
  });
}
