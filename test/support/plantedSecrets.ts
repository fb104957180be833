// Secrets as emitters leak them, for property tests: each shape the redaction rules cover, as the
// text that holds it and the part that must not survive.
import fc from 'fast-check';

export interface Planted {
  text: string;
  secret: string;
}

export const basic = (credentials: string) => Buffer.from(credentials).toString('base64');

// Secret values never hold `[` or `]`, so a value cannot be mistaken for part of the marker.
const token = fc.stringMatching(/^[A-Za-z0-9._~+/-]{8,40}$/);
const urlValue = fc.stringMatching(/^[A-Za-z0-9%._~-]{8,40}$/);
const headerValue = fc.stringMatching(/^[!-Z\\^-~][ -Z\\^-~]{7,60}$/);
const anyValue = fc.stringMatching(/^[ -Z\\^-~]{8,40}$/);

export const PLANTED: Record<string, fc.Arbitrary<Planted>> = {
  jwt: fc
    .tuple(fc.stringMatching(/^[\w-]{4,40}$/), fc.stringMatching(/^[\w-]{4,200}$/), fc.stringMatching(/^[\w-]{0,86}$/))
    .map(([header, payload, signature]) => `eyJ${header}.${payload}.${signature}`)
    .map((jwt) => ({ text: jwt, secret: jwt })),
  bearer: fc.tuple(fc.constantFrom('Bearer', 'bearer', 'BEARER'), token).map(([scheme, t]) => ({ text: `${scheme} ${t}`, secret: t })),
  basic: fc
    .tuple(fc.stringMatching(/^[a-z0-9.@-]{3,20}$/), fc.stringMatching(/^[!-~]{3,30}$/))
    .map(([user, password]) => basic(`${user}:${password}`))
    .map((credentials) => ({ text: `Basic ${credentials}`, secret: credentials })),
  authorization: fc
    .tuple(
      fc.constantFrom('Authorization', 'authorization', 'Proxy-Authorization'),
      fc.constantFrom('Bearer', 'Basic', 'Digest', 'Negotiate', 'AWS4-HMAC-SHA256', 'token'),
      headerValue,
    )
    .map(([name, scheme, credentials]) => ({ text: `${name}: ${scheme} ${credentials}`, secret: credentials })),
  apiKeyHeader: fc
    .tuple(fc.constantFrom('X-Api-Key', 'x-api-key', 'X-API-KEY'), token)
    .map(([name, key]) => ({ text: `${name}: ${key}`, secret: key })),
  cookie: fc
    .tuple(fc.constantFrom('Cookie', 'Set-Cookie', 'cookie'), urlValue, fc.constantFrom('', '; Path=/; HttpOnly', '; theme=dark'))
    .map(([name, value, rest]) => ({ text: `${name}: sid=${value}${rest}`, secret: value })),
  queryString: fc
    .tuple(
      fc.constantFrom('api_key', 'apikey', 'access_token', 'token', 'client_secret', 'password'),
      urlValue,
      fc.constantFrom('', '&page=2'),
    )
    .map(([key, value, rest]) => ({ text: `https://app.example/v1/items?${key}=${value}${rest}`, secret: value })),
  json: fc
    .tuple(
      fc.constantFrom('client_secret', 'password', 'passwd', 'api_key', 'refresh_token', 'id_token', 'Authorization', 'cookie'),
      anyValue,
      fc.constantFrom(':', ': '),
    )
    .map(([key, value, colon]) => {
      const quoted = JSON.stringify(value);
      return { text: `{"user":"bob","${key}"${colon}${quoted}}`, secret: quoted.slice(1, -1) };
    }),
  keyValue: fc
    .tuple(
      fc.constantFrom('password', 'pwd', 'secret', 'secret_key', 'private-key', 'refresh_token'),
      fc.constantFrom('=', ': ', ' = '),
      token,
    )
    .map(([key, separator, value]) => ({ text: `${key}${separator}${value}`, secret: value })),
};

// What separates a secret from the text around it in a real message.
export const separator = fc.constantFrom(' ', '\n', '\t', ', ', '; ', ' (', ') ', ' | ', '\r\n');

/** A planted secret in bytes that need not be text: random bytes (any, or UTF-8 text) around it. */
export interface PlantedBytes {
  bytes: Buffer;
  secret: string;
  /** The bytes before the secret's text, which no secret rule reaches back into. */
  before: Buffer;
}

const KEYWORD = /pass|pwd|secret|token|key|bearer|basic|eyJ|authorization|cookie/i;
const aroundSecret = fc.oneof(
  fc.uint8Array({ maxLength: 60 }).map((a) => Buffer.from(a)),
  fc.string({ unit: 'binary', maxLength: 60 }).map((s) => Buffer.from(s)),
);

export function plantedInBytes(planted: fc.Arbitrary<Planted>): fc.Arbitrary<PlantedBytes> {
  return fc
    .tuple(aroundSecret, separator, planted, separator, aroundSecret)
    .map(([around, sep1, { text, secret }, sep2, after]) => {
      const before = Buffer.concat([around, Buffer.from(sep1)]);
      return { bytes: Buffer.concat([before, Buffer.from(`${text}${sep2}`), after]), secret, before };
    })
    .filter(({ bytes, secret, before }) => bytes.toString('latin1').split(secret).length === 2 && !KEYWORD.test(before.toString('latin1')));
}
