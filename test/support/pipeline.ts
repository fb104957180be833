// The ingest pipeline as the tests build it: its normalize options, native records to feed it, and a
// dead-letter sink that keeps what it is sent.
import type { DeadLetterSink, PipelineNormalizeOptions } from '../../src/pipeline/pipeline.js';
import type { DeadLetter, RawRecord } from '../../src/pipeline/record.js';
import { normalizeOptions } from './helpers.js';

/** The tests' normalize options without an observed time: the pipeline stamps each batch with its own. */
export function pipelineOptions(): PipelineNormalizeOptions {
  const { observedTime: _observedTime, ...options } = normalizeOptions();
  return options;
}

/** A dead-letter sink that keeps every letter, in the order sent. */
export class CollectingSink implements DeadLetterSink {
  readonly letters: DeadLetter[] = [];
  async send(letters: readonly DeadLetter[]): Promise<void> {
    this.letters.push(...letters);
  }
}

/** `n` native events of one kind for one tenant, at distinct principals and sequence numbers from `from`, in November 2026. */
export function nativeRecords(kind: 'auth' | 'policy', n: number, tenant: string, from = 0): RawRecord[] {
  const body = kind === 'auth' ? { outcome: 'success' } : { decision: 'allow' };
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const time = `2026-11-20T10:00:${String(i % 60).padStart(2, '0')}.000Z`;
    const event = { kind, tenant, time, emitter_id: `${kind}-1`, emitter_seq: i + 1, principal_id: `u${i}@acme.example`, ...body };
    return { value: Buffer.from(JSON.stringify(event)), origin: { door: 'file' as const, topic: tenant, line: i + 1 } };
  });
}
