// Secrets redacted from bytes that may not be text: a dead letter's raw record can be anything
// (invalid UTF-8, binary, a truncated multi-byte character) and still hold a bearer token.
import { isUtf8 } from 'node:buffer';
import { redactSecrets } from './fields.js';

// How: the bytes are decoded the way Python's "surrogateescape" does (PEP 383). Each valid
// UTF-8 sequence becomes its character; each byte that is not part of one becomes a lone low
// surrogate U+DC80–U+DCFF, which valid UTF-8 can never produce. redactSecrets then runs on that
// text with the same rules as for events. An undecodable byte is neither a word nor a space
// character: a token made of word characters (a JWT, a bearer token) ends at it, and a value
// that runs to a space or the end of its line (`password=…`, a header) takes it along, since
// over-redacting is the safe side. Encoding back turns characters into
// UTF-8 and each escape into its original byte, so every byte outside a redacted range comes
// back exactly as it was.
const ESCAPE_BASE = 0xdc00;
const ESCAPED_BYTE = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]+/g;

/** The bytes with each secret replaced by `[redacted]`, every other byte kept exactly; the same Buffer when there is none. */
export function redactSecretBytes(bytes: Buffer): Buffer {
  const text = isUtf8(bytes) ? bytes.toString('utf8') : decodeEscaping(bytes);
  const redacted = redactSecrets(text);
  if (redacted === text) return bytes;
  return encodeEscaped(redacted);
}

function decodeEscaping(bytes: Buffer): string {
  let text = '';
  let runStart = 0;
  let i = 0;
  while (i < bytes.length) {
    const length = utf8SequenceLength(bytes, i);
    if (length > 0) {
      i += length;
      continue;
    }
    text += bytes.toString('utf8', runStart, i) + String.fromCharCode(ESCAPE_BASE + bytes[i]!);
    runStart = ++i;
  }
  return text + bytes.toString('utf8', runStart, i);
}

function encodeEscaped(text: string): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (const match of text.matchAll(ESCAPED_BYTE)) {
    parts.push(Buffer.from(text.slice(from, match.index), 'utf8'));
    parts.push(Buffer.from(Array.from(match[0], (c) => c.charCodeAt(0) - ESCAPE_BASE)));
    from = match.index + match[0].length;
  }
  parts.push(Buffer.from(text.slice(from), 'utf8'));
  return Buffer.concat(parts);
}

const continuation = (byte: number | undefined, low = 0x80, high = 0xbf) => byte !== undefined && byte >= low && byte <= high;

/** The length of the well-formed UTF-8 sequence at i (Unicode, table 3-7), or 0 when there is none. */
function utf8SequenceLength(bytes: Buffer, i: number): number {
  const lead = bytes[i]!;
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return continuation(bytes[i + 1]) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const [low, high] = lead === 0xe0 ? [0xa0, 0xbf] : lead === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return continuation(bytes[i + 1], low, high) && continuation(bytes[i + 2]) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const [low, high] = lead === 0xf0 ? [0x90, 0xbf] : lead === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return continuation(bytes[i + 1], low, high) && continuation(bytes[i + 2]) && continuation(bytes[i + 3]) ? 4 : 0;
  }
  return 0;
}
