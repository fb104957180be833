// `ztna score`: the scorers offline. Events of any supported shape on stdin, anomalies as
// NDJSON on stdout, counts on stderr. Every event a record carries is scored, its own first.
// For replaying history and for testing.
import type { Readable, Writable } from 'node:stream';
import { normalizeRecord } from '../events/index.js';
import { ndjsonLines } from '../sources/ndjson.js';
import { score } from '../detect/processor.js';
import { createScorers, type ScorerOptions } from '../detect/scorers.js';
import type { NormalizeCommandOptions } from './normalize.js';
import { LineWriter } from './output.js';

export interface ScoreCounts {
  read: number;
  /** Records normalized. */
  normalized: number;
  /** Events scored: a record's own and its related events. */
  events: number;
  skipped: number;
  rejected: number;
  anomalies: number;
  anomalies_by_type: Record<string, number>;
}

export async function scoreCommand(
  options: Omit<NormalizeCommandOptions, 'rejectsFile'> & { scorers: ScorerOptions },
  stdin: Readable,
  stdout: Writable,
): Promise<ScoreCounts> {
  const counts: ScoreCounts = { read: 0, normalized: 0, events: 0, skipped: 0, rejected: 0, anomalies: 0, anomalies_by_type: {} };
  const scorers = createScorers(options.scorers);
  const out = new LineWriter(stdout);
  const observedTime = new Date().toISOString();
  for await (const { value } of ndjsonLines(stdin)) {
    counts.read++;
    const outcome = normalizeRecord(value, { ...options, observedTime });
    if (outcome.status !== 'normalized') {
      counts[outcome.status]++;
      continue;
    }
    counts.normalized++;
    counts.events += 1 + outcome.related.length;
    for (const a of score(scorers, [outcome.event, ...outcome.related])) {
      counts.anomalies++;
      counts.anomalies_by_type[a.type] = (counts.anomalies_by_type[a.type] ?? 0) + 1;
      await out.write(JSON.stringify(a));
    }
  }
  await out.close();
  return counts;
}
