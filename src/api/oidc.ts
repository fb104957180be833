// OIDC bearer tokens: a JWT signed by the configured issuer's keys is a caller, its role and
// tenants read from its claims (oidcClaims.ts). Verification is jose's: the issuer's JWKS is
// fetched (from ZTNA_OIDC_JWKS_URL, else from the issuer's discovery document) and cached, fetched
// again for a key id it does not hold (at most once per cooldown) and when older than its maximum
// age; iss, aud, exp and nbf are checked with a small clock skew, and only the configured
// asymmetric algorithms are accepted (never `none`, never a shared-secret HS*).
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Caller } from './auth.js';
import { CredentialRefused, type Authenticator } from './authPlugin.js';
import { grantOf, type ClaimMapping } from './oidcClaims.js';

/** The signature algorithms a token may use: public-key ones only. */
export const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type OidcAlgorithm = (typeof OIDC_ALGORITHMS)[number];

export interface OidcSettings {
  /** The issuer's identifier, exactly as its tokens' `iss` (and its discovery document's `issuer`) spell it. */
  issuer: string;
  /** Accepted `aud` values: a token must name one of them. */
  audience: readonly string[];
  /** Where the issuer's keys are; undefined: the `jwks_uri` of `<issuer>/.well-known/openid-configuration`. */
  jwksUrl: string | undefined;
  algorithms: readonly OidcAlgorithm[];
  clockSkewSeconds: number;
  /** Keys older than this are fetched again before use. */
  jwksMaxAgeMs: number;
  /** After a fetch, an unknown key id fetches again only once this has passed (a flood of forged kids cannot flood the issuer). */
  jwksCooldownMs: number;
  mapping: ClaimMapping;
}

const FETCH_TIMEOUT_MS = 5000;

/** Three base64url parts (the signature empty for `alg: none`): what an API key never looks like. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The bearer credential of a request, if it sends one. */
const bearerOf = (authorization: string | undefined) => /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];

/** The issuer's JWKS address from its discovery document, whose `issuer` must be the one configured (OpenID Connect Discovery 1.0, 4.3). */
async function discoverJwksUrl(issuer: string): Promise<URL> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
  if (doc.issuer !== issuer) throw new Error(`${url} names issuer ${JSON.stringify(doc.issuer)}, not ${issuer}`);
  if (typeof doc.jwks_uri !== 'string') throw new Error(`${url} has no jwks_uri`);
  return new URL(doc.jwks_uri);
}

/** Why jose refused a token, in words for the 401 and the access log (never the token). */
function refusal(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'token refused: its signature algorithm is not allowed';
  if (err instanceof errors.JWKSNoMatchingKey) return "token refused: no key of the issuer matches the token's key id";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "token refused: its signature is not the issuer's";
  if (err instanceof errors.JWKSTimeout) return "token not verified: the issuer's keys did not arrive in time";
  if (err instanceof errors.JOSEError) return `token refused: ${err.message}`;
  return `token not verified: cannot fetch the issuer's keys (${(err as Error).message})`;
}

export class OidcVerifier {
  private keys: Promise<JWTVerifyGetKey> | undefined;
  /** When discovery last failed: tokens meanwhile are refused with that failure until the cooldown has passed. */
  private failedAt: number | undefined;

  constructor(private readonly settings: OidcSettings) {}

  /** The issuer's key set, found at the first token; a failed discovery is tried again after the cooldown, not at every token. */
  private keySet(): Promise<JWTVerifyGetKey> {
    const { jwksUrl, issuer, jwksMaxAgeMs, jwksCooldownMs } = this.settings;
    if (this.keys && (this.failedAt === undefined || Date.now() - this.failedAt < jwksCooldownMs)) return this.keys;
    this.failedAt = undefined;
    this.keys = (jwksUrl ? Promise.resolve(new URL(jwksUrl)) : discoverJwksUrl(issuer)).then((url) =>
      createRemoteJWKSet(url, { cacheMaxAge: jwksMaxAgeMs, cooldownDuration: jwksCooldownMs, timeoutDuration: FETCH_TIMEOUT_MS }),
    );
    this.keys.catch(() => (this.failedAt = Date.now()));
    return this.keys;
  }

  /** The caller a token is; throws CredentialRefused saying why it is not one. */
  async verify(token: string): Promise<Caller> {
    const { issuer, audience, algorithms, clockSkewSeconds, mapping } = this.settings;
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, await this.keySet(), {
        issuer,
        audience: [...audience],
        algorithms: [...algorithms],
        clockTolerance: clockSkewSeconds,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw new CredentialRefused(refusal(err));
    }
    const grant = grantOf(payload, mapping);
    if (!grant.ok) throw new CredentialRefused(`token refused: ${grant.reason}`);
    return { kind: 'token', name: grant.name, role: grant.role, tenants: grant.tenants };
  }

  /** Asked after the API keys: a bearer credential shaped as a JWT is this authenticator's to judge. */
  authenticator(): Authenticator {
    return (req) => {
      const bearer = bearerOf(req.headers.authorization);
      return bearer && JWT_SHAPE.test(bearer) ? this.verify(bearer) : undefined;
    };
  }
}
