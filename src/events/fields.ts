// Small pure helpers the source normalizers share to read loosely-typed vendor JSON.
import { createHash, createHmac } from 'node:crypto';

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Value at a dotted path, or undefined. */
export function at(record: unknown, path: string): unknown {
  let cur: unknown = record;
  for (const key of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
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

/** Any date a vendor writes (ISO with any offset or fraction, epoch ms) → ISO UTC with ms. */
export function isoTime(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value).toISOString();
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  // Date parses at most 3 fractional digits reliably; trim longer fractions (Entra writes 7).
  const trimmed = value.trim().replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** A deterministic event id in UUID form from the vendor's identity of the event. */
export function deriveEventId(...parts: Array<string | number | undefined>): string {
  const h = createHash('sha256').update(parts.map((p) => p ?? '').join('\u001f')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The only form in which a token value may leave a normalizer: a keyed HMAC. */
export function tokenFingerprint(hmacKey: Buffer, token: string): string {
  return `hmac:${createHmac('sha256', hmacKey).update(token).digest('hex').slice(0, 40)}`;
}

// Free-text fields (failure reasons, user agents, policy reasons) can carry what an
// emitter should never have sent: bearer tokens, JWTs, key=value secrets.
const SECRET_PATTERNS: RegExp[] = [
  /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\b(password|passwd|pwd|secret|client_secret|api[_-]?key|access_token|refresh_token|id_token)\b(\s*[=:]\s*)("[^"]*"|[^\s&,;]+)/gi,
];

export function redactSecrets(value: string): string {
  let out = value;
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(pattern, (match, ...groups) =>
      typeof groups[1] === 'string' && /[=:]/.test(groups[1]) ? `${groups[0]}${groups[1]}[redacted]` : '[redacted]',
    );
  }
  return out;
}

/** Drops undefined entries so a draft carries only what the source said. */
export function compact<T extends Json>(record: T): T {
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return record;
}
