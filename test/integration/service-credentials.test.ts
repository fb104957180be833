// Service credential rotation (the guide's M7) on chDB: the credentials service principals and
// workload identities are seen with (Entra's key ids in the real service-principal sample, a
// Teleport bot's certificates, native events), their age from issue or first sighting, which is
// current, and which are overdue against the policy; GET /api/v1/credentials lists them, paged and
// tenant-scoped, and refuses bad input with a 400.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialsResponse, type Credential } from '../../src/api/credentials.js';
import { overdueCredentialsCountSql } from '../../src/dashboards/credentials.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import type { Store } from '../../src/store/index.js';
import { apiServer, closeAll, httpRecords, requestsAs, type Requests } from '../support/api.js';
import { expandClickHouseMacros, expandVariables } from '../support/dashboards.js';
import { ROOT, tempDir } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';
import { migratedStore } from '../support/store.js';

const DAY = 86400_000;
const T0 = Date.parse('2026-06-01T00:00:00Z');
const at = (days: number) => new Date(T0 + days * DAY).toISOString();
const MAX_AGE_DAYS = 90;

const SAMPLES = join(ROOT, '..', 'shared', 'samples', 'sources');
const sampleLines = (file: string) => readFileSync(join(SAMPLES, file), 'utf8').split('\n').filter(Boolean);

let seq = 0;
/** A native sign-in of a service principal with a credential. */
const signIn = (tenant: string, principal: string, credential: string, days: number, extra: Record<string, unknown> = {}) => ({
  tenant,
  kind: 'auth',
  outcome: 'success',
  emitter_id: `idp-${tenant}`,
  emitter_seq: ++seq,
  principal_id: principal,
  principal_type: 'service',
  credential_id: credential,
  time: at(days),
  ...extra,
});

/** A Teleport Machine ID bot's certificate, valid for `validDays`. */
const botCertificate = (uid: string, days: number, validDays: number) => ({
  code: 'TC000I',
  event: 'cert.create',
  cert_type: 'user',
  identity: { user: 'bot-deployer', bot_name: 'deployer', roles: ['bot-deployer'], expires: at(days + validDays) },
  user: 'bot-deployer',
  time: at(days),
  uid,
  cluster_name: 'teleport.example.com',
});

// acme's billing-sync used key-old from day 0 to day 100 (past 90 days: overdue), then was rotated
// to key-new on day 100 (current, fresh). A user's credential id is not a service credential.
// The Teleport bot's certificates (the default tenant: Teleport names none): one for an hour
// (fine), one for 200 days (issued past the policy).
// globex's reporter has been seen with key-g for 10 days.
const EVENTS = [
  signIn('acme', 'billing-sync', 'key-old', 0),
  signIn('acme', 'billing-sync', 'key-old', 50),
  signIn('acme', 'billing-sync', 'key-old', 100),
  signIn('acme', 'billing-sync', 'key-new', 100.5),
  signIn('acme', 'billing-sync', 'key-new', 110),
  signIn('acme', 'ann@acme.example', 'passkey-1', 0, { principal_type: 'user' }),
  signIn('acme', 'ann@acme.example', 'passkey-1', 110, { principal_type: 'user' }),
  signIn('globex', 'reporter', 'key-g', 100),
  signIn('globex', 'reporter', 'key-g', 110),
];
const TELEPORT = [botCertificate('cert-short', 109, 1 / 24), botCertificate('cert-long', 109.5, 200)];
const RANGE = `from=${at(60)}&to=${at(120)}`;

describe('service credentials and their rotation (M7)', () => {
  let store: Store;
  let app: FastifyInstance;
  let analyst: Requests;

  beforeAll(async () => {
    store = await migratedStore(tempDir('service-credentials'));
    const pipeline = new IngestPipeline(store, pipelineOptions());
    for (const batch of [
      EVENTS,
      TELEPORT,
      sampleLines('azure-signinlogs-service_principal.ndjson'),
      sampleLines('azure-signinlogs-managed_identity.ndjson'),
    ]) {
      const result = await pipeline.processBatch(httpRecords(batch));
      expect(result.rejects).toEqual([]);
    }
    await pipeline.processBatch(httpRecords(EVENTS.slice(0, 3))); // redelivered
    app = apiServer(store, { credentialMaxAgeSeconds: MAX_AGE_DAYS * 86400 });
    analyst = requestsAs(app, 'analyst');
  });
  afterAll(() => closeAll(app, store));

  const list = async (query: string) => {
    const res = await analyst(`/api/v1/credentials?${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return CredentialsResponse.parse(res.json());
  };
  const view = (c: Credential) => [
    c.tenant,
    c.principal_id,
    c.credential_id,
    c.age_basis,
    c.age_seconds / 86400,
    c.current,
    c.overdue_reason,
  ];

  it('lists the service credentials seen in the range, overdue first, then oldest; users are not listed', async () => {
    const body = await list(RANGE);
    expect(body.max_age).toBe('90d');
    expect(body.credentials.map(view)).toEqual([
      ['acme', 'billing-sync', 'key-old', 'first_seen', 100, false, 'used past the maximum age'],
      ['default', 'bot-deployer', 'cert-long', 'issued', 0, true, 'issued for longer than the maximum age'],
      ['globex', 'reporter', 'key-g', 'first_seen', 10, true, null],
      ['acme', 'billing-sync', 'key-new', 'first_seen', 9.5, true, null],
      ['default', 'bot-deployer', 'cert-short', 'issued', 0, false, null],
    ]);
    const long = body.credentials[1]!;
    expect([long.source, long.issued_at, long.expires_at, long.lifetime_seconds]).toEqual(['teleport', at(109.5), at(309.5), 200 * 86400]);
    const old = body.credentials[0]!;
    expect([old.source, old.first_seen, old.last_seen, old.issued_at, old.lifetime_seconds]).toEqual([
      'native',
      at(0),
      at(100),
      null,
      null,
    ]);
  });

  it('lists only the overdue ones with overdue=true, and counts age up to `to` only', async () => {
    expect((await list(`${RANGE}&overdue=true`)).credentials.map((c) => c.credential_id)).toEqual(['key-old', 'cert-long']);
    // Up to day 80 key-old was 80 days old: in policy then.
    const early = await list(`from=${at(0)}&to=${at(80)}`);
    expect(early.credentials.map(view)).toEqual([['acme', 'billing-sync', 'key-old', 'first_seen', 80, true, null]]);
  });

  it('reads the key id of a real Entra service-principal sign-in; managed identities carry none', async () => {
    const body = await list('from=2022-01-20T00:00:00Z&to=2022-03-01T00:00:00Z');
    expect(
      body.credentials.map((c) => [c.tenant, c.principal_id, c.credential_id, c.source, c.first_seen, c.last_seen, c.current]),
    ).toEqual([
      [
        '4bbb79f7-5724-4c9e-95f3-de075f6ec090',
        'Terraform-Datadog-CLI',
        'dbcd79c0-c3ea-46b9-9604-ff40d43b8618',
        'entra',
        '2022-02-08T06:22:13.161Z',
        '2022-02-08T06:24:46.670Z',
        true,
      ],
    ]);
  });

  it('pages with a cursor and keeps to the tenant asked for', async () => {
    const first = await list(`${RANGE}&limit=2`);
    expect(first.credentials.map((c) => c.credential_id)).toEqual(['key-old', 'cert-long']);
    const second = await list(`${RANGE}&limit=2&cursor=${first.next_cursor}`);
    expect(second.credentials.map((c) => c.credential_id)).toEqual(['key-g', 'key-new']);
    const last = await list(`${RANGE}&limit=2&cursor=${second.next_cursor}`);
    expect([last.credentials.map((c) => c.credential_id), last.next_cursor]).toEqual([['cert-short'], null]);
    expect((await list(`${RANGE}&tenant=globex`)).credentials.map((c) => c.credential_id)).toEqual(['key-g']);
  });

  it('answers bad input with a 400 naming the parameter', async () => {
    for (const [query, field] of [
      ['overdue=yes', 'overdue'],
      ['limit=0', 'limit'],
      [`from=${at(10)}&to=${at(5)}`, 'from'],
      [`from=${at(0)}&to=${at(200)}`, 'to'],
      [`${RANGE}&cursor=nonsense`, 'cursor'],
    ]) {
      const res = await analyst(`/api/v1/credentials?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().message, query).toContain(`${field}:`);
    }
    const filtersChanged = await list(`${RANGE}&limit=1`);
    const res = await analyst(`/api/v1/credentials?${RANGE}&limit=1&overdue=true&cursor=${filtersChanged.next_cursor}`);
    expect(res.statusCode).toBe(400);
  });

  it("gives the executive's panel the count of the overdue ones, for every tenant and for one", async () => {
    const count = async (tenant: { all: string } | { value: string }) => {
      const sql = expandClickHouseMacros(expandVariables(overdueCredentialsCountSql(), { tenant }), {
        from: new Date(at(60)),
        to: new Date(at(120)),
        intervalSeconds: 60,
      });
      const [row] = await store.query<{ overdue: string }>(sql);
      return Number(row!.overdue);
    };
    expect([await count({ all: "''" }), await count({ value: 'acme' }), await count({ value: 'globex' })]).toEqual([2, 1, 0]);
  });

  it('is for analysts', async () => {
    const res = await requestsAs(app, 'sre')(`/api/v1/credentials?${RANGE}`);
    expect(res.statusCode).toBe(403);
  });
});
