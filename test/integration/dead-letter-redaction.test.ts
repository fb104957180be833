// Dead letters on real chDB: the exact bytes go to the dead-letter sink (the topic), and
// rejected_events holds them with secrets redacted plus the SHA-256 of the exact bytes, unless
// exact bytes are asked for.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import type { RawRecord } from '../../src/pipeline/record.js';
import type { ChdbStore } from '../../src/store/index.js';
import { tempDir } from '../support/helpers.js';
import { CollectingSink, pipelineOptions } from '../support/pipeline.js';
import { PLANTED, plantedInBytes } from '../support/plantedSecrets.js';
import { migratedStore } from '../support/store.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

// Ways a record holding a secret fails to normalize: not UTF-8, truncated JSON, not JSON.
const REJECTED_PREFIXES = [Buffer.from([0xff]), Buffer.from('{"kind":"auth","failure_reason":"'), Buffer.from('not json: ')];

interface StoredLetter {
  reject_id: string;
  raw_base64: string;
  raw_size: number;
  raw_sha256: string;
  reason: string;
}

describe('dead letters: redacted in rejected_events, exact on the topic', () => {
  let store: ChdbStore;
  let line = 0;
  beforeAll(async () => {
    store = await migratedStore(tempDir('dead-letter-redaction'));
  });
  afterAll(async () => store?.close());

  const recordOf = (value: Buffer): RawRecord => ({ value, origin: { door: 'file', topic: 'redaction', line: ++line } });

  async function storedLetters(ids: readonly string[]): Promise<Map<string, StoredLetter>> {
    const rows = await store.query<StoredLetter>(
      'SELECT reject_id, raw_base64, raw_size, raw_sha256, reason FROM rejected_events FINAL WHERE reject_id IN {ids:Array(String)}',
      { ids: [...ids] },
    );
    return new Map(rows.map((r) => [r.reject_id, r]));
  }

  it('no planted secret of any shape survives into rejected_events; the sink has the exact bytes; the hash is of the exact bytes', async () => {
    const shapes = Object.keys(PLANTED);
    expect(shapes.length).toBeGreaterThanOrEqual(9);
    const batch = fc.tuple(...shapes.map((shape) => fc.tuple(fc.constantFrom(...REJECTED_PREFIXES), plantedInBytes(PLANTED[shape]!))));
    await fc.assert(
      fc.asyncProperty(batch, async (planted) => {
        const values = planted.map(([prefix, { bytes }]) => Buffer.concat([prefix, bytes]));
        const sink = new CollectingSink();
        const pipeline = new IngestPipeline(store, pipelineOptions(), { deadLetterSinks: [sink] });
        const result = await pipeline.processBatch(values.map(recordOf));
        expect(result.rejected).toBe(values.length);
        expect(sink.letters.map((l) => l.raw)).toEqual(values);
        const rows = await storedLetters(sink.letters.map((l) => l.reject_id));
        expect(rows.size).toBe(values.length);
        sink.letters.forEach((letter, i) => {
          const row = rows.get(letter.reject_id)!;
          const kept = Buffer.from(row.raw_base64, 'base64');
          expect(kept.includes(planted[i]![1].secret), shapes[i]).toBe(false);
          expect(row.reason.includes(planted[i]![1].secret), shapes[i]).toBe(false);
          expect(row.raw_sha256).toBe(sha256(values[i]!));
          expect(Number(row.raw_size)).toBe(values[i]!.length);
        });
      }),
      { numRuns: 40 },
    );
  });

  it('keeps the exact bytes in rejected_events too when asked (ZTNA_DEAD_LETTER_EXACT_BYTES)', async () => {
    const value = Buffer.from([0xff, ...Buffer.from(' Authorization: Bearer abcdefgh12345678\n'), 0xfe]);
    const [redacted, exact] = [recordOf(value), recordOf(value)];
    const sink = new CollectingSink();
    await new IngestPipeline(store, pipelineOptions(), { deadLetterSinks: [sink] }).processBatch([redacted!]);
    await new IngestPipeline(store, pipelineOptions(), { deadLetterSinks: [sink], deadLetterExactBytes: true }).processBatch([exact!]);
    const rows = await storedLetters(sink.letters.map((l) => l.reject_id));
    const kept = sink.letters.map((l) => Buffer.from(rows.get(l.reject_id)!.raw_base64, 'base64'));
    expect(kept).toEqual([Buffer.from([0xff, ...Buffer.from(' Authorization: [redacted]\n'), 0xfe]), value]);
    expect(sink.letters.map((l) => rows.get(l.reject_id)!.raw_sha256)).toEqual([sha256(value), sha256(value)]);
  });

  it('stores a record whose reason would quote half a character (V8 names the first UTF-16 unit of an emoji)', async () => {
    const sink = new CollectingSink();
    await new IngestPipeline(store, pipelineOptions(), { deadLetterSinks: [sink] }).processBatch([recordOf(Buffer.from('😀 not JSON'))]);
    const rows = await storedLetters(sink.letters.map((l) => l.reject_id));
    expect([...rows.values()].map((r) => r.reason)).toEqual(["not JSON: Unexpected token '\uFFFD', not valid JSON"]);
  });
});
