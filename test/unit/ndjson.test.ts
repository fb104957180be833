import { describe, expect, it } from 'vitest';
import { ndjsonLines } from '../../src/sources/ndjson.js';

async function lines(chunks: Array<string | Buffer>) {
  const out = [];
  for await (const l of ndjsonLines(
    (async function* () {
      yield* chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c));
    })(),
  )) {
    out.push([l.line, l.value.toString('latin1')]);
  }
  return out;
}

describe('ndjsonLines', () => {
  it('splits across chunk boundaries, strips CRLF, skips blank lines and keeps line numbers', async () => {
    expect(await lines(['{"a":', '1}\r\n\n  \n{"b"', ':2}\n{"c":3}'])).toEqual([
      [1, '{"a":1}'],
      [4, '{"b":2}'],
      [5, '{"c":3}'],
    ]);
  });

  it('keeps the exact bytes of a line that is not UTF-8', async () => {
    const [[, value]] = (await lines([Buffer.from([0x7b, 0xff, 0x7d, 0x0a])])) as [[number, string]];
    expect(Buffer.from(value, 'latin1')).toEqual(Buffer.from([0x7b, 0xff, 0x7d]));
  });
});
