// Secrets in free text: each kind is redacted wherever it sits, once, and nothing else is touched.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../src/events/fields.js';
import { normalizeRecord, type NormalizeOutcome } from '../../src/events/index.js';
import { normalizeOptions } from '../support/helpers.js';
import { basic, PLANTED, separator } from '../support/plantedSecrets.js';

const MARKER = '[redacted]';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyMSIsImV4cCI6MTl9.c2lnbmF0dXJlLXZhbHVl';

describe('redactSecrets examples', () => {
  it('replaces a JWT in a text that also holds `=` by one marker: no raw JWT, no copy of the text', () => {
    // The JWT pattern had no groups, so the replacer read the offset and the whole text as "groups".
    const text = `login failed for user=bob with ${JWT}`;
    expect(redactSecrets(text)).toBe(`login failed for user=bob with ${MARKER}`);
  });

  it.each([
    ['JSON secret', '{"user":"bob","client_secret":"s3cr3t-value"}', `{"user":"bob","client_secret":"${MARKER}"}`],
    ['JSON password with spaces and escaped quotes', '{"password": "hunter \\"2\\" two"}', `{"password": "${MARKER}"}`],
    ['JSON inside a JSON string', 'body={\\"password\\":\\"hunter 2\\"}', `body={\\"password\\":\\"${MARKER}\\"}`],
    ['Authorization: Bearer', `Authorization: Bearer ${JWT}`, `Authorization: ${MARKER}`],
    ['Authorization: Basic', `authorization: Basic ${basic('bob:hunter2')}`, `authorization: ${MARKER}`],
    [
      'any Authorization scheme, to the end of the line',
      'Authorization: Digest username="bob", response="6629fae4"\nHost: a',
      `Authorization: ${MARKER}\nHost: a`,
    ],
    ['Proxy-Authorization as JSON', '{"Proxy-Authorization":"Negotiate YIIGhgYGKwYBBQUC"}', `{"Proxy-Authorization":"${MARKER}"}`],
    ['X-Api-Key header', 'X-Api-Key: k-0123456789abcdef', `X-Api-Key: ${MARKER}`],
    ['Cookie header', 'Cookie: sid=31d4d96e407aad42; theme=dark', `Cookie: ${MARKER}`],
    ['Set-Cookie header', 'Set-Cookie: sid=38afes7a8; Path=/; Secure; HttpOnly', `Set-Cookie: ${MARKER}`],
    ['api_key in a query string', 'GET /v1/x?api_key=abcdef123456&page=2', `GET /v1/x?api_key=${MARKER}&page=2`],
    [
      'access_token in a query string',
      'https://app.example/cb#access_token=xyz.abc-123&state=9',
      `https://app.example/cb#access_token=${MARKER}&state=9`,
    ],
    ['password=', 'bad login password=hunter2 for bob', `bad login password=${MARKER} for bob`],
    ['a bare Bearer token', `retrying with bearer ${'A1b2C3d4E5f6'}`, `retrying with bearer ${MARKER}`],
    ['a bare Basic credential', `sent Basic ${basic('bob:pw')} twice`, `sent Basic ${MARKER} twice`],
  ])('%s', (_name, text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });

  it.each([
    'Basic authentication failed',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)',
    '50126: Invalid username or password',
    'rule default-deny matched: group claim missing',
    'token_id=jti-9 refreshed',
    'password expired',
  ])('leaves %j unchanged', (text) => {
    expect(redactSecrets(text)).toBe(text);
  });

  it('redacts free text on the way through normalize', () => {
    const outcome: NormalizeOutcome = normalizeRecord(
      JSON.stringify({
        kind: 'auth',
        time: '2026-11-20T10:00:00.000Z',
        emitter_id: 'idp-1',
        outcome: 'failure',
        failure_reason: `user=bob presented ${JWT}`,
      }),
      normalizeOptions(),
    );
    expect(outcome).toMatchObject({ status: 'normalized', event: { failure_reason: `user=bob presented ${MARKER}` } });
  });
});

const surroundings = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }));

describe('redactSecrets property: any planted secret, anywhere, in any text', () => {
  for (const [kind, planted] of Object.entries(PLANTED)) {
    it(`${kind}: the secret never survives and the text grows by at most one marker`, () => {
      fc.assert(
        fc.property(
          surroundings,
          separator,
          planted,
          separator,
          surroundings,
          (before, sep1, { text: secretText, secret }, sep2, after) => {
            const text = `${before}${sep1}${secretText}${sep2}${after}`;
            fc.pre(text.split(secret).length === 2); // the secret appears once, where it was planted
            const out = redactSecrets(text);
            expect(out).not.toContain(secret);
            expect(out.length).toBeLessThanOrEqual(text.length + MARKER.length);
          },
        ),
        { numRuns: 300 },
      );
    });
  }
});
