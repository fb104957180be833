// The ingest pipeline as the tests build it: its normalize options, and a dead-letter sink that keeps what it is sent.
import type { DeadLetterSink, PipelineNormalizeOptions } from '../../src/pipeline/pipeline.js';
import type { DeadLetter } from '../../src/pipeline/record.js';
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
