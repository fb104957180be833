// Small pure helpers the source normalizers share to read loosely-typed vendor JSON.
import { createHmac, createSecretKey, hash, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Normalizers name a few dozen literal paths, read for every record: each is split once.
const pathKeys = new Map<string, readonly string[]>();

/** Value at a dotted path, or undefined. */
export function at(record: unknown, path: string): unknown {
  let keys = pathKeys.get(path);
  if (!keys) pathKeys.set(path, (keys = path.split('.')));
  let cur: unknown = record;
  for (const key of keys) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** The first of these dotted paths that holds a non-empty string (the rest are not read). */
export function firstStr(record: unknown, paths: readonly string[]): string | undefined {
  for (const path of paths) {
    const value = str(at(record, path));
    if (value !== undefined) return value;
  }
  return undefined;
}

/** A non-empty trimmed string (numbers are stringified), else undefined. */
export function str(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' || trimmed === 'null' ? undefined : trimmed;
}

export function num(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

const CANONICAL_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
// ISO 8601 as vendors write it: a space for the T, any fraction, an offset with or without its
// colon, or none (read as UTC: a process's own zone must never change an event's instant).
const ISO_LIKE = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d(?::\d\d)?)(\.\d+)?(Z|[+-]\d\d(?::?\d\d)?)?$/i;
// ctime / asctime (`Fri May 31 17:35:42 2019`), a zone name before the year allowed (`date`'s output).
const CTIME = /^(?:[A-Z][a-z]{2},?\s+)?([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d\d:\d\d:\d\d)(\.\d+)?\s+(?:(?:UTC|GMT|Z)\s+)?(\d{4})$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const EPOCH_DIGITS = /^-?\d+(?:\.\d+)?$/;
const MAX_DATE_MS = 8.64e15;

/**
 * An epoch number in whichever unit its size says: seconds below 1e11 (year 5138), milliseconds
 * below 1e14, microseconds below 1e17, else nanoseconds. Vendors send each (Cloudflare's Logpush
 * writes `unix` or `unixnano` by the job's setting); a millisecond time before 1973 reads as seconds.
 */
export function epochMs(value: number): number | undefined {
  if (!Number.isFinite(value)) return undefined;
  const size = Math.abs(value);
  const ms = size < 1e11 ? value * 1e3 : size < 1e14 ? value : size < 1e17 ? value / 1e3 : value / 1e6;
  return Math.abs(ms) > MAX_DATE_MS ? undefined : Math.floor(ms);
}

function stringMs(text: string): number {
  const iso = ISO_LIKE.exec(text);
  if (iso) {
    const [, date, clock, fraction = '', zone = 'Z'] = iso;
    const offset = zone.length === 3 ? `${zone}:00` : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone.toUpperCase();
    // Date parses at most 3 fractional digits reliably; longer fractions are cut (Entra writes 7).
    return Date.parse(`${date}T${clock}${fraction.slice(0, 4)}${offset}`);
  }
  const ctime = CTIME.exec(text);
  if (ctime) {
    const [, month, day, clock, fraction = '', year] = ctime;
    const index = MONTHS.indexOf(month!);
    if (index < 0) return NaN;
    return Date.parse(`${year}-${String(index + 1).padStart(2, '0')}-${day!.padStart(2, '0')}T${clock}${fraction.slice(0, 4)}Z`);
  }
  // Anything else Date reads with its zone (RFC 2822 and the like).
  return Date.parse(text);
}

/**
 * Any time a vendor writes → ISO UTC with ms: ISO 8601 with any offset or fraction (none is UTC),
 * epoch seconds, milliseconds, microseconds or nanoseconds as a number or digits, ctime strings.
 */
export function isoTime(value: unknown): string | undefined {
  if (typeof value === 'string') {
    // Already ISO UTC with ms (most records): the same text, once the engine agrees it is a date.
    if (CANONICAL_INSTANT.test(value)) return Number.isNaN(Date.parse(value)) ? undefined : value;
    const text = value.trim();
    if (text === '') return undefined;
    const ms = EPOCH_DIGITS.test(text) ? epochMs(Number(text)) : stringMs(text);
    // Date.parse answers NaN, never an instant out of range; epochMs bounds its own.
    return ms === undefined || Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
  }
  if (typeof value !== 'number') return undefined;
  const ms = epochMs(value);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/**
 * An IP address as vendors write a peer: port stripped (`192.0.2.1:443`, `[2001:db8::1]:443`), a
 * zone index dropped, the first of a forwarded-for list (the client). Not an address: undefined,
 * so a placeholder (`-`, `unknown`) leaves the field out rather than failing the event.
 */
export function ipAddress(value: unknown): string | undefined {
  let text = str(value);
  if (text === undefined) return undefined;
  const comma = text.indexOf(',');
  if (comma >= 0) text = text.slice(0, comma).trim();
  const colon = text.indexOf(':');
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    text = text.slice(1, end < 0 ? undefined : end);
  } else if (colon >= 0 && colon === text.lastIndexOf(':')) {
    // One colon: IPv4 and its port (IPv6 has two or more, and brackets when a port follows).
    text = text.slice(0, colon);
  }
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  return isIP(text) === 0 ? undefined : text;
}

/**
 * A principal from a source that compares names without case (email addresses, UPNs): lower case,
 * so `Alice@Example.com` and `alice@example.com` are one principal. Other identifiers are kept as written.
 */
export function emailPrincipal(value: unknown): string | undefined {
  const text = str(value);
  return text !== undefined && text.includes('@') ? text.toLowerCase() : text;
}

/** A deterministic event id in UUID form from the vendor's identity of the event. */
export function deriveEventId(...parts: Array<string | number | undefined>): string {
  // The one-shot hash: a Hash object per event was ~1.2 µs more of every event's normalization.
  const h = hash('sha256', parts.map((p) => p ?? '').join('\u001f'), 'hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// The key as a KeyObject, made once per key: building one from bytes at every HMAC was a
// measurable share of ingest time.
const hmacKeys = new WeakMap<Buffer, KeyObject>();

/** The only form in which a token value may leave a normalizer: a keyed HMAC. */
export function tokenFingerprint(hmacKey: Buffer, token: string): string {
  let key = hmacKeys.get(hmacKey);
  if (!key) hmacKeys.set(hmacKey, (key = createSecretKey(hmacKey)));
  return `hmac:${createHmac('sha256', key).update(token).digest('hex').slice(0, 40)}`;
}

// Text can carry what an emitter should never have sent: JWTs, bearer and basic
// credentials, Authorization and Cookie headers, key=value, JSON and query-string secrets.
// Each rule names the secret part of its match (group `secret`, or `quoted` for the inside
// of quotes); the key or scheme before it stays, so a reader still sees what was there.
// Rules run on the original text and their ranges are merged, so one rule's match can
// never hide another's secret, and one secret becomes one marker.
const REDACTED = '[redacted]';

interface SecretRule {
  pattern: RegExp;
  /** Text (any case) that every match contains: the cheap pre-check before any rule runs. */
  keywords: string[];
  /** Characters of which every match holds one besides (its separator): the second pre-check. */
  separators: string[];
  /** Keeps a match only when its secret passes. */
  accept?: (secret: string) => boolean;
}

// After a key: its closing quote (also JSON-in-a-string's \"), then `:` or `=`.
const KEY_END = String.raw`\\?["']?[ \t]*[:=][ \t]*`;
// A quoted value: to its closing quote (skipping escaped characters), or to the end of the text.
const QUOTED = String.raw`(?<q>\\?["'])(?<quoted>(?:\\.|[^\\])*?)(?:\k<q>|$)`;

const SECRET_RULES: SecretRule[] = [
  { pattern: /(?<secret>eyJ[\w-]{4,}(?:\.[\w-]*){2,4})/dg, keywords: ['eyJ'], separators: ['.'] },
  { pattern: /bearer[ \t]+(?<secret>[\w.~+/-]{8,}=*)/dgi, keywords: ['bearer'], separators: [' ', '\t'] },
  // Basic credentials are base64 of `user:password`; "Basic authentication failed" is not one.
  {
    pattern: /basic[ \t]+(?<secret>[A-Za-z0-9+/]{8,}=*)/dgi,
    keywords: ['basic'],
    separators: [' ', '\t'],
    accept: (b64) => Buffer.from(b64, 'base64').includes(':'),
  },
  // A header's value is the rest of its line, whatever the scheme (Digest, AWS4, cookies with spaces).
  {
    pattern: new RegExp(String.raw`(?:authorization|cookie)${KEY_END}(?:${QUOTED}|(?<secret>\S[^\r\n]*))`, 'dgi'),
    keywords: ['authorization', 'cookie'],
    separators: [':', '='],
  },
  {
    pattern: new RegExp(
      String.raw`(?:pass(?:word|wd|phrase)|pwd|secret|token|(?:api|access|private|secret)[_-]?key)${KEY_END}(?:${QUOTED}|(?<secret>[^\s&]+))`,
      'dgi',
    ),
    keywords: ['pass', 'pwd', 'secret', 'token', 'key'],
    separators: [':', '='],
  },
];
const MIGHT_HOLD_SECRET = new RegExp(SECRET_RULES.flatMap((rule) => rule.keywords).join('|'), 'i');
const LOWER_KEYWORDS = new Map(SECRET_RULES.map((rule) => [rule, rule.keywords.map((k) => k.toLowerCase())]));
const mightMatch = (rule: SecretRule, lower: string) =>
  rule.separators.some((c) => lower.includes(c)) && LOWER_KEYWORDS.get(rule)!.some((k) => lower.includes(k));

type Range = [start: number, end: number];

function secretRanges(rule: SecretRule, text: string): Range[] {
  const ranges: Range[] = [];
  for (const match of text.matchAll(rule.pattern)) {
    const groups = match.indices?.groups;
    const range = groups?.secret ?? groups?.quoted;
    if (!range || range[0] === range[1]) continue;
    if (rule.accept && !rule.accept(text.slice(...range))) continue;
    ranges.push(range);
  }
  return ranges;
}

/** Overlapping or touching ranges as one, in order. */
function mergeRanges(ranges: Range[]): Range[] {
  const merged: Range[] = [];
  for (const [start, end] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** The text with each secret replaced by one `[redacted]`. Runs on every text field of every event: cheap when there is none. */
export function redactSecrets(text: string): string {
  if (!MIGHT_HOLD_SECRET.test(text)) return text;
  // Only the rules whose keywords and separator are there: `keycloak-1` or `access_token` runs none.
  const lower = text.toLowerCase();
  const ranges = mergeRanges(SECRET_RULES.flatMap((rule) => (mightMatch(rule, lower) ? secretRanges(rule, text) : [])));
  if (ranges.length === 0) return text;
  let out = '';
  let from = 0;
  for (const [start, end] of ranges) {
    out += text.slice(from, start) + REDACTED;
    from = end;
  }
  return out + text.slice(from);
}

/** Drops undefined entries so a draft carries only what the source said. */
export function compact<T extends Json>(record: T): T {
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return record;
}

const ACTION_MAX = 128;

/**
 * An HTTP request as a policy decision's action, `GET /path` (as the API's own access records write
 * theirs): the path without its query or fragment (they can carry credentials, and would make every
 * request its own action), a full URL reduced to its path, cut to the action's 128 characters.
 */
export function httpAction(method: unknown, target: unknown): string | undefined {
  const verb = str(method)?.toUpperCase();
  let path = str(target);
  if (path !== undefined) {
    const scheme = path.indexOf('://');
    if (scheme >= 0) {
      const slash = path.indexOf('/', scheme + 3);
      path = slash < 0 ? '/' : path.slice(slash);
    }
    const end = path.search(/[?#]/);
    if (end >= 0) path = path.slice(0, end) || undefined;
  }
  const action = verb && path ? `${verb} ${path}` : (verb ?? path);
  if (action === undefined || action.length <= ACTION_MAX) return action;
  // Never half a surrogate pair: the schema refuses a lone one.
  const cut = action.slice(0, ACTION_MAX);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}
