// OIDC bearer tokens against a real issuer on loopback: a discovery document and a JWKS served by
// an http server of the test, tokens signed with keys made in the test (jose), verified by the
// API's authenticator on chDB. Valid, wrong audience, expired, not yet valid, another key, `alg:
// none` and a shared-secret algorithm, a key rotated in and one withdrawn at the issuer, the claim
// mapping to role and tenants (a tenant's token reads only its tenant), and API keys beside it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessRecorder } from '../../src/api/accessLog.js';
import { hashApiKey, parseApiKeys } from '../../src/api/auth.js';
import { OidcVerifier, type OidcSettings } from '../../src/api/oidc.js';
import { DEFAULT_GROUP_PATTERN, grantOf, type ClaimMapping } from '../../src/api/oidcClaims.js';
import { ConfigError, loadConfig, oidcSettings } from '../../src/config.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import type { Store } from '../../src/store/index.js';
import { apiServer, closeAll, httpRecords, keyOf } from '../support/api.js';
import { HMAC_KEY, startCli, tempDir } from '../support/helpers.js';
import { freePort } from '../support/services/ports.js';
import { pipelineOptions } from '../support/pipeline.js';
import { migratedStore } from '../support/store.js';
import { waitFor } from '../support/wait.js';

const AUDIENCE = 'api://ztna-telemetry';
const MAPPING: ClaimMapping = { groupsClaim: 'groups', groupPattern: new RegExp(DEFAULT_GROUP_PATTERN), nameClaim: 'preferred_username' };

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(kid: string, alg: SigningKey['alg'] = 'RS256'): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** An identity provider on loopback: its discovery document, and a JWKS the test changes as the provider would rotate. */
class TestIssuer {
  readonly server: Server;
  keys: SigningKey[] = [];
  jwksFetches = 0;
  discoveryFetches = 0;
  /** What the discovery document names as the issuer; the real one unless a test breaks it. */
  claimedIssuer: string | undefined;

  constructor() {
    this.server = createServer((req, res) => {
      const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/.well-known/openid-configuration') {
        this.discoveryFetches++;
        return json({ issuer: this.claimedIssuer ?? this.url, jwks_uri: `${this.url}/keys` });
      }
      if (req.url === '/keys') {
        this.jwksFetches++;
        return json({ keys: this.keys.map((k) => k.jwk) });
      }
      res.writeHead(404).end();
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A token of this issuer for the audience, valid for 10 minutes from now unless `claims` say otherwise. */
  sign(key: SigningKey, claims: JWTPayload = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: this.url, aud: AUDIENCE, sub: 'user-1', iat: now, exp: now + 600, ...claims })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .sign(key.privateKey);
  }
}

describe('OIDC bearer tokens', () => {
  const issuer = new TestIssuer();
  let first: SigningKey;
  let store: Store;
  let access: AccessRecorder;
  let app: FastifyInstance;
  let settings: OidcSettings;
  /** A key configured as an API key that happens to be shaped like a JWT: the keys are asked first. */
  const dottedKey = 'legacy.api.key';

  const call = (url: string, token: string) => app.inject({ url, headers: { authorization: `Bearer ${token}` } });
  const analyst = { groups: ['ztna-analysts-acme', 'everyone'], preferred_username: 'ann@acme.example' };

  beforeAll(async () => {
    await issuer.start();
    first = await signingKey('key-1');
    issuer.keys = [first];
    settings = {
      issuer: issuer.url,
      audience: [AUDIENCE],
      jwksUrl: undefined, // from the discovery document
      algorithms: ['RS256', 'ES256'],
      clockSkewSeconds: 60,
      jwksMaxAgeMs: 600_000,
      jwksCooldownMs: 0, // an unknown kid fetches again at once: the rotation below needs no waiting
      mapping: MAPPING,
    };
    store = await migratedStore(tempDir('api-oidc'));
    const pipeline = new IngestPipeline(store, pipelineOptions());
    const hourAgo = new Date(Date.now() - 3600_000).toISOString();
    await pipeline.processBatch(
      httpRecords(
        ['acme', 'globex'].map((tenant, i) => ({
          kind: 'auth',
          tenant,
          time: hourAgo,
          emitter_id: 'idp',
          emitter_seq: i + 1,
          outcome: 'success',
          principal_id: `pat@${tenant}`,
        })),
      ),
    );
    access = new AccessRecorder(
      (records) => pipeline.processBatch(records),
      'ztna',
      (err) => {
        throw err;
      },
    );
    const apiKeys = parseApiKeys(`sre-1:sre:${hashApiKey(keyOf('sre'))}\ndotted:analyst:${hashApiKey(dottedKey)}`);
    app = apiServer(store, { apiKeys, access, authenticators: [new OidcVerifier(settings).authenticator()] });
  });
  afterAll(async () => {
    await closeAll(access, app, store);
    await new Promise((resolve) => issuer.server.close(resolve));
  });

  it('accepts a valid token as the caller its groups map to, fetching the JWKS once through discovery for many requests', async () => {
    const token = await issuer.sign(first, analyst);
    for (let i = 0; i < 3; i++) expect((await call('/api/v1/anomalies', token)).statusCode).toBe(200);
    expect((await call('/api/v1/slis', token)).json()).toMatchObject({
      error: 'forbidden',
      message: expect.stringMatching(/^role analyst/),
    });
    expect(issuer.jwksFetches).toBe(1);
  });

  it('shows a tenant-scoped token only its tenant; another tenant by name is a 403', async () => {
    const token = await issuer.sign(first, analyst);
    // Ends before this test's own access events (tenant ztna) were recorded.
    const range = `from=${new Date(Date.now() - 2 * 3600_000).toISOString()}&to=${new Date(Date.now() - 1800_000).toISOString()}`;
    const trail = await call(`/api/v1/trails?${range}`, token);
    expect(trail.statusCode).toBe(200);
    const events = (trail.json() as { events: Array<{ tenant: string; principal_id: string }> }).events;
    expect(events.map((e) => [e.tenant, e.principal_id])).toEqual([['acme', 'pat@acme']]);
    expect((await call(`/api/v1/trails?${range}&tenant=globex`, token)).statusCode).toBe(403);
    const admin = await issuer.sign(first, { groups: ['ztna-admins'] });
    const all = (await call(`/api/v1/trails?${range}`, admin)).json() as { events: Array<{ tenant: string }> };
    expect(all.events.map((e) => e.tenant).sort()).toEqual(['acme', 'globex']);
  });

  it('refuses a wrong audience, an expired token and one not valid yet, each with its reason; a clock skew inside the allowance passes', async () => {
    const now = Math.floor(Date.now() / 1000);
    const refusals: Array<[JWTPayload, RegExp]> = [
      [{ aud: 'api://another-app' }, /unexpected "aud" claim value/],
      [{ exp: now - 120 }, /^token expired/],
      [{ nbf: now + 120 }, /"nbf" claim timestamp check failed/],
      [{ iss: 'https://idp.example.com' }, /unexpected "iss" claim value/],
      [{ exp: undefined }, /missing required "exp" claim/],
    ];
    expect(refusals).toHaveLength(5);
    for (const [claims, reason] of refusals) {
      const res = await call('/api/v1/anomalies', await issuer.sign(first, { ...analyst, ...claims }));
      expect(res.statusCode, reason.source).toBe(401);
      expect(res.json().message, reason.source).toMatch(reason);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    const skewed = await issuer.sign(first, { ...analyst, exp: now - 30, nbf: now + 30 });
    expect((await call('/api/v1/anomalies', skewed)).statusCode).toBe(200);
  });

  it('refuses a token signed by another key, under the issuer kid or an unknown one', async () => {
    const forger = await signingKey('key-1');
    const sameKid = await call('/api/v1/anomalies', await issuer.sign(forger, analyst));
    expect(sameKid.statusCode).toBe(401);
    expect(sameKid.json().message).toMatch(/its signature is not the issuer's/);
    const unknownKid = await call('/api/v1/anomalies', await issuer.sign({ ...forger, kid: 'forged' }, analyst));
    expect(unknownKid.statusCode).toBe(401);
    expect(unknownKid.json().message).toMatch(/no key of the issuer matches the token's key id/);
  });

  it('refuses alg none and a shared-secret algorithm (HS256 keyed with the public key)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsecured = new UnsecuredJWT({ ...analyst, iss: issuer.url, aud: AUDIENCE, sub: 'user-1', exp: now + 600 }).encode();
    expect(unsecured).toMatch(/\.$/); // header.payload. with an empty signature
    const hmacKey = new TextEncoder().encode(JSON.stringify(first.jwk));
    const hs256 = await new SignJWT({ ...analyst, iss: issuer.url, aud: AUDIENCE, exp: now + 600 })
      .setProtectedHeader({ alg: 'HS256', kid: first.kid })
      .sign(hmacKey);
    for (const token of [unsecured, hs256]) {
      const res = await call('/api/v1/anomalies', token);
      expect(res.statusCode).toBe(401);
      expect(res.json().message).toMatch(/signature algorithm is not allowed/);
    }
  });

  it("takes a key rotated in at the issuer (fetched again for the unknown kid), and drops a withdrawn one once the keys' maximum age has passed", async () => {
    const second = await signingKey('key-2', 'ES256');
    issuer.keys = [first, second];
    const fetches = issuer.jwksFetches;
    expect((await call('/api/v1/anomalies', await issuer.sign(second, analyst))).statusCode).toBe(200);
    expect(issuer.jwksFetches).toBe(fetches + 1);

    // A verifier whose keys age at once: the issuer withdraws key-1, and its tokens fail at the next fetch.
    const ageing = new OidcVerifier({ ...settings, jwksMaxAgeMs: 1 });
    const token = await issuer.sign(first, analyst);
    await expect(ageing.verify(token)).resolves.toMatchObject({ kind: 'token', role: 'analyst' });
    issuer.keys = [second];
    await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(ageing.verify(token)).rejects.toThrow(/no key of the issuer matches/);
  });

  it('refuses a token whose groups grant no role, or several, saying so', async () => {
    const none = await call('/api/v1/anomalies', await issuer.sign(first, { groups: ['everyone'] }));
    expect(none.statusCode).toBe(401);
    expect(none.json().message).toMatch(/the token's groups claim grants no role/);
    const several = await call('/api/v1/anomalies', await issuer.sign(first, { groups: ['ztna-analysts-acme', 'ztna-sre-globex'] }));
    expect(several.statusCode).toBe(401);
    expect(several.json().message).toMatch(/grants several roles \(analyst, sre\); a caller has one/);
  });

  it('keeps API keys working beside tokens, a JWT-shaped key included, and refuses an unknown one naming both kinds', async () => {
    expect((await call('/api/v1/slis', keyOf('sre'))).statusCode).toBe(200);
    expect((await call('/api/v1/anomalies', dottedKey)).statusCode).toBe(200);
    const unknown = await call('/api/v1/slis', 'not-a-key');
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().message).toMatch(/missing or unknown API key or token/);
  });

  it('records token callers as access events by their name and scope, never the token', async () => {
    const token = await issuer.sign(first, analyst);
    await call('/api/v1/anomalies', token);
    await access.flush();
    const rows = await store.query<{ auth_method: string; principal_id: string }>(
      "SELECT DISTINCT auth_method, principal_id FROM events FINAL WHERE kind = 'auth' AND source = 'ztna-api' AND outcome = 'success'",
    );
    expect(rows).toContainEqual({ auth_method: 'oidc_token', principal_id: 'ann@acme.example' });
    const decisions = await store.query<{ reasons: string[] }>(
      "SELECT reasons FROM events FINAL WHERE kind = 'policy' AND source = 'ztna-api' AND principal_id = 'ann@acme.example' AND decision = 'allow' LIMIT 1",
    );
    expect(decisions[0]!.reasons).toEqual(['role analyst', 'tenants acme']);
    const everything = JSON.stringify(await store.query("SELECT * FROM events FINAL WHERE source = 'ztna-api'"));
    expect(everything).not.toContain(token.split('.')[2]!);
  });

  it('refuses every token while the discovery document names another issuer, and looks again only after the cooldown', async () => {
    const key = await signingKey('key-discovery');
    issuer.keys = [...issuer.keys, key];
    const token = await issuer.sign(key, analyst);
    const patient = new OidcVerifier({ ...settings, jwksCooldownMs: 3_600_000 });
    const eager = new OidcVerifier(settings); // cooldown 0
    issuer.claimedIssuer = 'https://impostor.example.com';
    try {
      for (const verifier of [patient, eager])
        await expect(verifier.verify(token)).rejects.toThrow(
          /cannot fetch the issuer's keys .*names issuer "https:\/\/impostor.example.com"/,
        );
    } finally {
      issuer.claimedIssuer = undefined;
    }
    const fetches = issuer.discoveryFetches;
    await expect(patient.verify(token)).rejects.toThrow(/names issuer "https:\/\/impostor.example.com"/);
    expect(issuer.discoveryFetches).toBe(fetches);
    await expect(eager.verify(token)).resolves.toMatchObject({ kind: 'token', name: 'ann@acme.example' });
    expect(issuer.discoveryFetches).toBe(fetches + 1);
  });

  it('is what ztna run does with ZTNA_OIDC_ISSUER and ZTNA_OIDC_AUDIENCE set', async () => {
    const httpPort = await freePort();
    // The store is a closed port: the API's auth answers before any route reaches it.
    const run = startCli(['run'], {
      CLICKHOUSE_URL: `http://127.0.0.1:${await freePort()}`,
      ZTNA_HMAC_KEY: HMAC_KEY,
      ZTNA_DATA_DIR: tempDir('run-oidc'),
      ZTNA_HTTP_PORT: String(httpPort),
      ZTNA_OIDC_ISSUER: issuer.url,
      ZTNA_OIDC_AUDIENCE: AUDIENCE,
      ZTNA_PROGRESS_SECONDS: '0',
    });
    const get = (token: string) =>
      fetch(`http://127.0.0.1:${httpPort}/api/v1/anomalies`, { headers: { authorization: `Bearer ${token}` } });
    const key = await signingKey('key-run');
    issuer.keys = [...issuer.keys, key];
    try {
      const valid = await issuer.sign(key, analyst);
      const code = await waitFor(
        'the HTTP server',
        () =>
          get(valid).then(
            (r) => r.status,
            () => false,
          ),
        60_000,
      );
      expect(code).not.toBe(401);
      expect(code).not.toBe(403);
      const expired = await get(await issuer.sign(key, { ...analyst, exp: Math.floor(Date.now() / 1000) - 600 }));
      expect(expired.status).toBe(401);
      expect(((await expired.json()) as { message: string }).message).toMatch(/^token expired/);
      expect(run.stdout()).toContain(`ztna: bearer tokens of ${issuer.url} accepted besides API keys (audience ${AUDIENCE})`);
      run.child.kill('SIGTERM');
      expect((await run.exited).code).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});

describe('OIDC claim mapping', () => {
  it('maps each matching name to a role and a tenant, unions the tenants, and grants every tenant for a name without one', () => {
    expect(grantOf({ sub: 's', groups: ['ztna-analysts-acme', 'ztna-analyst-globex', 'staff'] }, MAPPING)).toEqual({
      ok: true,
      name: 's',
      role: 'analyst',
      tenants: ['acme', 'globex'],
    });
    expect(grantOf({ sub: 's', preferred_username: 'ops@x', groups: ['ztna-executives', 'ztna-executives-acme'] }, MAPPING)).toEqual({
      ok: true,
      name: 'ops@x',
      role: 'executive',
      tenants: '*',
    });
    expect(grantOf({ sub: 's', groups: 'ztna-ingest-acme' }, MAPPING)).toMatchObject({ ok: true, role: 'ingest', tenants: ['acme'] });
    expect(grantOf({ sub: 's', groups: ['ztna-root-acme', 'ztna-analysts-a:b'] }, MAPPING)).toMatchObject({ ok: false });
  });

  it('reads a nested claim with a pattern of its own (app roles as Entra ID emits them, realm roles as Keycloak does)', () => {
    const entra: ClaimMapping = { groupsClaim: 'roles', groupPattern: /^ztna\.(?<role>\w+)(?:\.(?<tenant>.+))?$/, nameClaim: 'upn' };
    expect(grantOf({ sub: 's', upn: 'ann@contoso.com', roles: ['ztna.sre.contoso'] }, entra)).toEqual({
      ok: true,
      name: 'ann@contoso.com',
      role: 'sre',
      tenants: ['contoso'],
    });
    const keycloak: ClaimMapping = { ...MAPPING, groupsClaim: 'realm_access.roles' };
    expect(grantOf({ sub: 's', realm_access: { roles: ['ztna-admins'] } }, keycloak)).toMatchObject({
      ok: true,
      role: 'admin',
      tenants: '*',
    });
  });
});

describe('OIDC settings', () => {
  const issuer = 'https://login.example.com/tenant/v2.0';

  it('are off without an issuer, and built from the variables with one', () => {
    expect(oidcSettings(loadConfig({}))).toBeUndefined();
    const settings = oidcSettings(loadConfig({ ZTNA_OIDC_ISSUER: issuer, ZTNA_OIDC_AUDIENCE: 'a, b' }))!;
    expect(settings).toMatchObject({
      issuer,
      audience: ['a', 'b'],
      algorithms: ['RS256', 'ES256'],
      clockSkewSeconds: 60,
      jwksUrl: undefined,
    });
    expect(settings.mapping.groupPattern.exec('ztna-sres-acme')?.groups).toMatchObject({ role: 'sre', tenant: 'acme' });
  });

  it('stop start-up naming each variable that is wrong', () => {
    const attempt = () =>
      loadConfig({
        ZTNA_OIDC_ISSUER: 'http://idp.example.com',
        ZTNA_OIDC_ALGORITHMS: 'RS256,none',
        ZTNA_OIDC_GROUP_PATTERN: '^ztna-(\\w+)$',
        ZTNA_OIDC_CLOCK_SKEW_SECONDS: '3600',
      });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/ZTNA_OIDC_ISSUER: an https URL \(http only on a loopback address\)/);
    expect(attempt).toThrow(/ZTNA_OIDC_ALGORITHMS/);
    expect(attempt).toThrow(/ZTNA_OIDC_GROUP_PATTERN: needs a named group \(\?<role>…\)/);
    expect(attempt).toThrow(/ZTNA_OIDC_CLOCK_SKEW_SECONDS/);
    expect(() => loadConfig({ ZTNA_OIDC_ISSUER: issuer })).toThrow(/ZTNA_OIDC_AUDIENCE: required with ZTNA_OIDC_ISSUER/);
    expect(() => loadConfig({ ZTNA_OIDC_AUDIENCE: 'a' })).toThrow(/ZTNA_OIDC_AUDIENCE: needs ZTNA_OIDC_ISSUER/);
    expect(() => loadConfig({ ZTNA_OIDC_ISSUER: issuer, ZTNA_OIDC_AUDIENCE: 'a', ZTNA_OIDC_ALGORITHMS: 'HS256' })).toThrow(
      /ZTNA_OIDC_ALGORITHMS/,
    );
  });
});
