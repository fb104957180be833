// API key entries over their life: the expiry field, several entries of one name during a
// rotation, a new key's entry read back by the parser, and `ztna keys new` as a user runs it.
import { describe, expect, it } from 'vitest';
import { ApiKeyError, authenticate, hashApiKey, parseApiKeys } from '../../src/api/auth.js';
import { expiryFrom, keyEntryLine, KEY_PREFIX, newApiKey } from '../../src/api/keyEntry.js';
import { expiredReason } from '../../src/api/keyExpiry.js';
import { runCli } from '../support/helpers.js';

const hash = (c: string) => c.repeat(64);

describe('API key entries', () => {
  it('reads an optional exp=YYYY-MM-DD last field, with or without tenants, and keeps entries without one unexpiring', () => {
    const [withTenants, withoutTenants, plain] = parseApiKeys(
      [`a:sre:${hash('a')}:acme+globex:exp=2027-03-01`, `b:analyst:${hash('b')}:exp=2027-03-01`, `c:admin:${hash('c')}`].join('\n'),
    );
    expect(withTenants).toMatchObject({ name: 'a', tenants: ['acme', 'globex'], expires: new Date('2027-03-01T00:00:00.000Z') });
    expect(withoutTenants).toMatchObject({ name: 'b', tenants: '*', expires: new Date('2027-03-01T00:00:00.000Z') });
    expect(plain!.expires).toBeUndefined();
  });

  it('refuses an expiry that is not a real date in that form, naming the key', () => {
    for (const bad of ['exp=2027-02-30', 'exp=2027-3-1', 'exp=tomorrow', 'exp=2027-03-01T10']) {
      const attempt = () => parseApiKeys(`ops:sre:${hash('a')}:*:${bad}`);
      expect(attempt, bad).toThrow(ApiKeyError);
      expect(attempt, bad).toThrow(/API key ops: the expiry is exp=YYYY-MM-DD/);
    }
  });

  it('lets several entries share a name (a rotation) and tells their keys apart; one key listed twice is refused', () => {
    const keys = parseApiKeys(`ops:sre:${hashApiKey('old-key')}:*:exp=2027-01-01\nops:sre:${hashApiKey('new-key')}`);
    expect(keys.map((k) => k.name)).toEqual(['ops', 'ops']);
    expect(authenticate(keys, 'Bearer old-key')?.expires).toEqual(new Date('2027-01-01T00:00:00.000Z'));
    expect(authenticate(keys, 'Bearer new-key')?.expires).toBeUndefined();
    expect(() => parseApiKeys(`ops:sre:${hash('a')}\nother:sre:${hash('a')}`)).toThrow(/API key other: the same key is listed twice/);
  });

  it('names a malformed entry by its name alone, never quoting what may be a key pasted whole', () => {
    const pasted = newApiKey();
    const attempt = () => parseApiKeys(`ops:sre:${hash('a')}\n${pasted}`);
    expect(attempt).toThrow(/bad API key entry without fields \(a key pasted instead of its entry\?\)/);
    const message = (() => {
      try {
        attempt();
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(message).not.toContain(pasted.slice(KEY_PREFIX.length, KEY_PREFIX.length + 8));
    expect(() => parseApiKeys(`ops:sre`)).toThrow(/bad API key entry "ops:…": use name:role:sha256-of-key\[:tenants\]\[:exp=YYYY-MM-DD\]/);
  });

  it('refuses a key from 00:00 UTC of its expiry day on, saying which key and when', () => {
    const key = { name: 'ops', expires: new Date('2027-03-01T00:00:00.000Z') };
    expect(expiredReason(key, new Date('2027-02-28T23:59:59.999Z'))).toBeUndefined();
    expect(expiredReason(key, new Date('2027-03-01T00:00:00.000Z'))).toBe('API key ops expired on 2027-03-01');
    expect(expiredReason({ name: 'forever' }, new Date('2099-01-01'))).toBeUndefined();
  });

  it('gives a key made with --expires 90d at least 90 days, to the next midnight UTC; a date is that day', () => {
    expect(expiryFrom('90d', new Date('2026-12-03T15:00:00.000Z'))).toEqual(new Date('2027-03-04T00:00:00.000Z'));
    expect(expiryFrom('1d', new Date('2026-12-03T00:00:00.000Z'))).toEqual(new Date('2026-12-04T00:00:00.000Z'));
    expect(expiryFrom('2027-06-30', new Date('2026-12-03T15:00:00.000Z'))).toEqual(new Date('2027-06-30T00:00:00.000Z'));
    expect(() => expiryFrom('2026-12-03', new Date('2026-12-03T15:00:00.000Z'))).toThrow(/has begun already/);
    for (const bad of ['0d', '90', '3m', 'soon'])
      expect(() => expiryFrom(bad, new Date()), bad).toThrow(/a number of days \(90d\) or a date/);
  });

  it('makes random prefixed keys whose entry holds the hash, never the key, and reads back as that key', () => {
    const key = newApiKey();
    expect(key).toMatch(new RegExp(`^${KEY_PREFIX}[A-Za-z0-9_-]{43}$`)); // 32 bytes, base64url
    expect(newApiKey()).not.toBe(key);
    const line = keyEntryLine(
      { name: 'ci', role: 'ingest', tenants: ['acme', 'globex'], expires: new Date('2027-03-04T00:00:00.000Z') },
      key,
    );
    expect(line).toBe(`ci:ingest:${hashApiKey(key)}:acme+globex:exp=2027-03-04`);
    expect(line).not.toContain(key);
    const [read] = parseApiKeys(line);
    expect(authenticate([read!], `Bearer ${key}`)).toMatchObject({ name: 'ci', role: 'ingest', tenants: ['acme', 'globex'] });
  });
});

describe('ztna keys new', () => {
  it('prints the key once and the entry that holds its hash, with the tenants and the expiry', async () => {
    const { code, stdout, stderr } = await runCli([
      'keys',
      'new',
      '--name',
      'oncall',
      '--role',
      'sre',
      '--tenants',
      'acme,globex',
      '--expires',
      '90d',
    ]);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    const key = /^key: {3}(\S+)$/.exec(lines[0]!)![1]!;
    const entry = /^entry: (\S+)$/.exec(lines[1]!)![1]!;
    expect(key.startsWith(KEY_PREFIX)).toBe(true);
    expect(entry).toMatch(new RegExp(`^oncall:sre:${hashApiKey(key)}:acme\\+globex:exp=\\d{4}-\\d{2}-\\d{2}$`));
    const [parsed] = parseApiKeys(entry);
    expect(parsed!.expires!.getTime() - Date.now()).toBeGreaterThanOrEqual(90 * 86_400_000 - 60_000);
    expect(stderr).toMatch(/shown this once/);
    expect(stderr).not.toContain(key);
  });

  it('writes * for every tenant and no expiry field without --expires', async () => {
    const { code, stdout } = await runCli(['keys', 'new', '--name', 'admin-2', '--role', 'admin', '--tenants', '*']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^entry: admin-2:admin:[0-9a-f]{64}:\*$/m);
  });

  it('refuses with exit 2 and the reason: a missing option, an unknown role, a bad tenant or name, a bad expiry', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--name', 'x', '--role', 'sre'], /--name, --role and --tenants are required/],
      [['--name', 'x', '--role', 'root', '--tenants', '*'], /--role: one of analyst, sre, executive, ingest, admin, got root/],
      [['--name', 'x', '--role', 'sre', '--tenants', 'acme:prod'], /--tenants: \* or tenant names without spaces, colons/],
      [['--name', 'a:b', '--role', 'sre', '--tenants', '*'], /--name: 1 to 128 characters without spaces, commas, colons or #/],
      [['--name', 'x', '--role', 'sre', '--tenants', '*', '--expires', 'soon'], /--expires: a number of days/],
    ];
    expect(cases).toHaveLength(5);
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await runCli(['keys', 'new', ...args]);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr, args.join(' ')).toMatch(message);
      expect(stdout, args.join(' ')).toBe('');
    }
  });
});
