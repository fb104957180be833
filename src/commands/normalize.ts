// `ztna normalize`: vendor NDJSON on stdin → canonical NDJSON on stdout (every event a record
// carries, its own first, one a line), counts on stderr.
import type { Readable, Writable } from 'node:stream';
import { normalizeRecord, type SourceChoice } from '../events/index.js';
import { ndjsonLines } from '../sources/ndjson.js';
import { deadLetter } from '../pipeline/record.js';
import { LineWriter } from './output.js';

export interface NormalizeCommandOptions {
  source: SourceChoice;
  rejectsFile?: string | undefined;
  hmacKey: Buffer;
  maxBytes: number;
  defaultTenant: string;
}

export interface NormalizeCounts {
  read: number;
  /** Records normalized. */
  normalized: number;
  /** Events written: a record's own and its related events. */
  events: number;
  skipped: number;
  rejected: number;
  skipped_by_type: Record<string, number>;
}

export async function normalizeCommand(options: NormalizeCommandOptions, stdin: Readable, stdout: Writable): Promise<NormalizeCounts> {
  const counts: NormalizeCounts = { read: 0, normalized: 0, events: 0, skipped: 0, rejected: 0, skipped_by_type: {} };
  const out = new LineWriter(stdout);
  const rejects = options.rejectsFile ? await LineWriter.toFile(options.rejectsFile) : undefined;
  const observedTime = new Date().toISOString();

  for await (const { value, line } of ndjsonLines(stdin)) {
    counts.read++;
    const outcome = normalizeRecord(value, { ...options, observedTime });
    if (outcome.status === 'normalized') {
      counts.normalized++;
      counts.events += 1 + outcome.related.length;
      await out.write(JSON.stringify(outcome.event));
      for (const event of outcome.related) await out.write(JSON.stringify(event));
    } else if (outcome.status === 'skipped') {
      counts.skipped++;
      const type = `${outcome.source}:${outcome.eventType}`;
      counts.skipped_by_type[type] = (counts.skipped_by_type[type] ?? 0) + 1;
    } else {
      counts.rejected++;
      const letter = deadLetter({ value, origin: { door: 'stdin', line } }, outcome.reason, observedTime);
      await rejects?.write(
        JSON.stringify({
          line,
          reason: letter.reason,
          reject_id: letter.reject_id,
          raw_base64: value.toString('base64'),
          raw: value.toString('utf8'),
        }),
      );
    }
  }
  await out.close();
  await rejects?.close();
  return counts;
}
