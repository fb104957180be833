// The shared readers of vendor fields: times in every form to one UTC instant, peers' addresses
// without their ports, case-insensitive principals in one case, an HTTP request as an action.
import { afterEach, describe, expect, it } from 'vitest';
import { emailPrincipal, epochMs, httpAction, ipAddress, isoTime } from '../../src/events/fields.js';

const INSTANT = '2023-05-23T17:18:33.000Z';

describe('isoTime', () => {
  it('keeps a canonical instant as it is, and refuses one that is no date', () => {
    expect(isoTime('2026-11-20T08:16:45.498Z')).toBe('2026-11-20T08:16:45.498Z');
    expect(isoTime('2026-13-40T08:16:45.498Z')).toBeUndefined();
  });

  it('reads ISO 8601 with any offset, with or without its colon, a space for the T, and any fraction', () => {
    expect(isoTime('2023-05-24T02:48:33+09:30')).toBe(INSTANT);
    expect(isoTime('2023-05-24T02:48:33+0930')).toBe(INSTANT);
    expect(isoTime('2023-05-23T12:18:33-05')).toBe(INSTANT);
    expect(isoTime('2023-05-23 17:18:33Z')).toBe(INSTANT);
    expect(isoTime('2023-05-23t17:18:33z')).toBe(INSTANT);
    expect(isoTime('2019-10-18T04:45:48.0729893-05:00')).toBe('2019-10-18T09:45:48.072Z');
    expect(isoTime('2026-11-20T08:16:45.512834109Z')).toBe('2026-11-20T08:16:45.512Z');
    expect(isoTime(' 2023-05-23T17:18:33.000Z ')).toBe(INSTANT);
  });

  it('reads epoch seconds, milliseconds, microseconds and nanoseconds, as numbers or digits, by their size', () => {
    for (const value of [1684862313, 1684862313000, 1684862313000000, 1684862313000000000]) {
      expect(isoTime(value), String(value)).toBe(INSTANT);
      expect(isoTime(String(value)), String(value)).toBe(INSTANT);
    }
    expect(isoTime(1684862313.25)).toBe('2023-05-23T17:18:33.250Z');
    expect(isoTime('1684862313123456789')).toBe('2023-05-23T17:18:33.123Z');
    expect(epochMs(1668580194344)).toBe(1668580194344);
  });

  it('reads ctime strings, with the day padded by a space and with a zone name before the year', () => {
    expect(isoTime('Fri May 31 17:35:42 2019')).toBe('2019-05-31T17:35:42.000Z');
    expect(isoTime('Tue May 23 17:18:33 2023')).toBe(INSTANT);
    expect(isoTime('Thu Dec  3 15:37:11 UTC 2026')).toBe('2026-12-03T15:37:11.000Z');
    expect(isoTime('Thu Dec  3 15:37:11.5 2026')).toBe('2026-12-03T15:37:11.500Z');
    expect(isoTime('Thu Foo  3 15:37:11 2026')).toBeUndefined();
  });

  it('reads RFC 2822 dates with their zone', () => {
    expect(isoTime('Tue, 23 May 2023 17:18:33 GMT')).toBe(INSTANT);
    expect(isoTime('Tue, 23 May 2023 19:18:33 +0200')).toBe(INSTANT);
  });

  it('gives nothing for what is no time, rather than throwing', () => {
    for (const value of ['', '   ', 'null', 'soon', '2023-05-23T25:99:00Z', 1e300, -1e300, NaN, Infinity, '9'.repeat(40), true, {}, null]) {
      expect(isoTime(value), String(value)).toBeUndefined();
    }
  });

  describe('in a process whose zone is not UTC', () => {
    const zone = process.env.TZ;
    afterEach(() => {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    });

    it('reads a time without an offset as UTC, never as the local time', () => {
      process.env.TZ = 'America/New_York';
      // Checks that the zone took effect, or the test below would pass for the wrong reason.
      expect(new Date(Date.UTC(2023, 4, 23, 17)).getHours()).toBe(13);
      expect(isoTime('2023-05-23T17:18:33')).toBe(INSTANT);
      expect(isoTime('2023-05-23 17:18:33.000')).toBe(INSTANT);
      expect(isoTime('Tue May 23 17:18:33 2023')).toBe(INSTANT);
    });
  });
});

describe('ipAddress', () => {
  it('strips the port of an IPv4 peer and of a bracketed IPv6 peer', () => {
    expect(ipAddress('192.0.2.10:48122')).toBe('192.0.2.10');
    expect(ipAddress('[2001:db8::5]:443')).toBe('2001:db8::5');
    expect(ipAddress('[2001:db8::5]')).toBe('2001:db8::5');
  });

  it('keeps an address without a port, IPv6 and IPv4-mapped included', () => {
    expect(ipAddress('203.0.113.24')).toBe('203.0.113.24');
    expect(ipAddress('2001:db8::5')).toBe('2001:db8::5');
    expect(ipAddress('::ffff:192.0.2.1')).toBe('::ffff:192.0.2.1');
  });

  it('drops a zone index and takes the client of a forwarded-for list', () => {
    expect(ipAddress('fe80::1%eth0')).toBe('fe80::1');
    expect(ipAddress('203.0.113.24, 198.51.100.7')).toBe('203.0.113.24');
  });

  it('gives nothing for a placeholder or a name', () => {
    for (const value of ['', '-', 'unknown', 'host.example.com:443', '999.1.1.1', 42, null])
      expect(ipAddress(value), String(value)).toBeUndefined();
  });
});

describe('emailPrincipal', () => {
  it('lower-cases an email address or UPN and keeps any other identifier as written', () => {
    expect(emailPrincipal(' Alice.Nguyen@Example.COM ')).toBe('alice.nguyen@example.com');
    expect(emailPrincipal('AliceN')).toBe('AliceN');
    expect(emailPrincipal('')).toBeUndefined();
  });
});

describe('httpAction', () => {
  it('names a request by its method and path, without the query or fragment (credentials ride there), a full URL by its path', () => {
    expect(httpAction('get', '/api/payslips/2026-10?access_token=abc&x=1#top')).toBe('GET /api/payslips/2026-10');
    expect(httpAction('POST', 'https://git.example.com/org/repo/pulls?page=2')).toBe('POST /org/repo/pulls');
    expect(httpAction('GET', 'https://git.example.com')).toBe('GET /');
    expect(httpAction('GET', '?only=query')).toBe('GET');
    expect(httpAction(undefined, '/path')).toBe('/path');
    expect(httpAction(undefined, undefined)).toBeUndefined();
  });

  it("cuts a long path to the action's 128 characters, never through a surrogate pair", () => {
    expect(httpAction('GET', `/${'a'.repeat(300)}`)).toHaveLength(128);
    const cut = httpAction('GET', `/${'a'.repeat(122)}😀😀`)!;
    expect(cut).toBe(`GET /${'a'.repeat(122)}`);
  });
});
