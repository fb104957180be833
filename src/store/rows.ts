// Canonical events and dead letters → rows of their ClickHouse tables.
import { createHash } from 'node:crypto';
import type { Kind } from '../events/schema.js';
import { redactSecretBytes } from '../events/secretBytes.js';
import type { Row } from './store.js';

/** Every kind is stored in the one wide `events` table, with its `kind` column (sql/migrations/0006). */
export const EVENTS_TABLE = 'events';
export const tableFor = (_kind: Kind) => EVENTS_TABLE;
export const REJECTED_TABLE = 'rejected_events';

// ClickHouse writes DateTime64 as 'YYYY-MM-DD hh:mm:ss.sss'; its basic parser (no best-effort
// setting needed) also reads an event's ISO 8601 instants as they are, so an event is its row.
export const toClickHouseTime = (iso: string) => iso.replace('T', ' ').replace('Z', '').slice(0, 23);
/** A DateTime64(3) as ClickHouse writes it, back to ISO 8601 UTC. */
export const fromClickHouseTime = (text: string) => `${text.replace(' ', 'T')}Z`;
/** The `from` and `to` parameters of a query over [from, to). */
export const rangeParams = (range: { from: Date; to: Date }) => ({
  from: toClickHouseTime(range.from.toISOString()),
  to: toClickHouseTime(range.to.toISOString()),
});
/** A nullable number column: ClickHouse's JSON writes 64-bit numbers as strings. */
export const numberOrNull = (value: number | string | null) => (value === null ? null : Number(value));

export interface DeadLetterRow {
  reject_id: string;
  received_time: string;
  door: string;
  topic: string;
  partition: number | null;
  offset: string | null;
  line: number | null;
  reason: string;
  raw: Buffer;
}

/**
 * A dead letter's row. `raw` is the record's exact bytes; the row keeps them with secrets redacted
 * (the rules events are redacted by), their size and SHA-256 exact, unless `exactBytes` asks for
 * the bytes as they came (ZTNA_DEAD_LETTER_EXACT_BYTES). The dead-letter topic always has them exactly.
 */
export function rejectedRow(letter: DeadLetterRow, options: { exactBytes?: boolean } = {}): Row {
  const { raw, ...rest } = letter;
  const kept = options.exactBytes ? raw : redactSecretBytes(raw);
  return {
    ...rest,
    // Well-formed: a reason can quote a cut surrogate pair, which ClickHouse refuses to parse.
    reason: Buffer.from(letter.reason).toString(),
    received_time: toClickHouseTime(letter.received_time),
    raw_size: raw.byteLength,
    raw_sha256: createHash('sha256').update(raw).digest('hex'),
    raw_base64: kept.toString('base64'),
  };
}

export const ANOMALIES_TABLE = 'anomalies';

export function anomalyRow(a: { anomaly_id: string; time: string; evidence: unknown } & Record<string, unknown>, detectedAt: string): Row {
  return { ...a, time: toClickHouseTime(a.time), detected_at: toClickHouseTime(detectedAt), evidence: JSON.stringify(a.evidence) };
}
