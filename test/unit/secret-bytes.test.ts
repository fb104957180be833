// Secrets redacted from bytes that may not be text (a dead letter's raw record): what decodes
// as text is redacted by the event rules, every other byte is kept exactly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactSecretBytes } from '../../src/events/secretBytes.js';
import { PLANTED, plantedInBytes } from '../support/plantedSecrets.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyMSIsImV4cCI6MTl9.c2lnbmF0dXJlLXZhbHVl';
const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('redactSecretBytes', () => {
  it('redacts a secret between invalid UTF-8 bytes and keeps those bytes exactly', () => {
    const raw = bytes([0xff, 0xfe], `{"authorization":"Bearer ${JWT}"`, [0xc3], ' password=hunter2 ', [0xed, 0xa0, 0x80, 0xf0, 0x9f]);
    expect(redactSecretBytes(raw)).toEqual(
      bytes([0xff, 0xfe], '{"authorization":"[redacted]"', [0xc3], ' password=[redacted] ', [0xed, 0xa0, 0x80, 0xf0, 0x9f]),
    );
  });

  it('keeps valid multi-byte characters (4-byte ones too); an undecodable byte ends a token, not a key=value secret', () => {
    const raw = bytes('émoji 😀 bearer abcdefghij', [0x80], 'tail token=abc', [0x80], 'def 😀');
    expect(redactSecretBytes(raw)).toEqual(bytes('émoji 😀 bearer [redacted]', [0x80], 'tail token=[redacted] 😀'));
  });

  it('returns the same bytes, not a copy, when there is no secret', () => {
    const raw = bytes([0x7b, 0xff, 0x00, 0xfe, 0x7d], 'Basic authentication failed');
    expect(redactSecretBytes(raw)).toBe(raw);
  });

  it('keeps any bytes without a secret exactly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (array) => {
        const raw = Buffer.from(array);
        fc.pre(!/pass|pwd|secret|token|key|bearer|basic|eyJ|authorization|cookie/i.test(raw.toString('latin1')));
        expect(redactSecretBytes(raw).equals(raw)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  for (const [kind, planted] of Object.entries(PLANTED)) {
    it(`${kind} in any bytes: the secret never survives and the bytes before it are kept exactly`, () => {
      fc.assert(
        fc.property(plantedInBytes(planted), ({ bytes: raw, secret, before }) => {
          const out = redactSecretBytes(raw);
          expect(out.includes(secret)).toBe(false);
          expect(out.subarray(0, before.length).equals(before)).toBe(true);
        }),
        { numRuns: 300 },
      );
    });
  }
});
