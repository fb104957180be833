// Splits a byte stream into NDJSON records without decoding it: a record's raw bytes
// are kept exactly as they came, for the dead letters.
import type { Readable } from 'node:stream';

export interface NdjsonLine {
  value: Buffer;
  /** 1-based line number. */
  line: number;
}

export async function* ndjsonLines(
  input: Readable | AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<NdjsonLine> {
  let pending: Buffer[] = [];
  let line = 0;
  for await (const chunk of input) {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let nl: number;
    while ((nl = buf.indexOf(0x0a)) !== -1) {
      pending.push(buf.subarray(0, nl));
      buf = buf.subarray(nl + 1);
      line++;
      const value = stripCr(Buffer.concat(pending));
      pending = [];
      if (!isBlank(value)) yield { value, line };
    }
    if (buf.length > 0) pending.push(buf);
  }
  if (pending.length > 0) {
    line++;
    const value = stripCr(Buffer.concat(pending));
    if (!isBlank(value)) yield { value, line };
  }
}

const stripCr = (b: Buffer) => (b.length > 0 && b[b.length - 1] === 0x0d ? b.subarray(0, b.length - 1) : b);
const isBlank = (b: Buffer) => b.every((c) => c === 0x20 || c === 0x09);
