// A record as it arrived, from whichever door, and what becomes of a bad one.
import { createHash } from 'node:crypto';
import { deriveEventId } from '../events/index.js';

export type Door = 'kafka' | 'http' | 'file' | 'stdin' | 'simulator';

export interface Origin {
  door: Door;
  /** Kafka topic, file path or HTTP route. */
  topic?: string;
  partition?: number;
  offset?: string;
  /** 1-based line number for NDJSON input. */
  line?: number;
}

export interface RawRecord {
  value: Buffer;
  key?: Buffer | null;
  origin: Origin;
}

export interface DeadLetter {
  reject_id: string;
  received_time: string;
  origin: Origin;
  reason: string;
  raw: Buffer;
  key?: Buffer | null;
}

export function deadLetter(record: RawRecord, reason: string, receivedTime: string): DeadLetter {
  const { origin } = record;
  const digest = createHash('sha256').update(record.value).digest('hex');
  return {
    // Same place and bytes → same id, so a redelivered reject is stored once.
    reject_id: deriveEventId('reject', origin.door, origin.topic, origin.partition, origin.offset, origin.line, digest),
    received_time: receivedTime,
    origin,
    reason,
    raw: record.value,
    key: record.key ?? null,
  };
}
