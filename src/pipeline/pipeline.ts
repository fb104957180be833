// normalize → store → dead letters → processors, one batch at a time, for every door. A batch
// resolves only when every row is acknowledged by the store and every dead letter by its
// sinks: callers commit their source position (Kafka offsets) after that, never before.
// `prepare` (CPU) and `store` (I/O) are apart so a door can overlap the two.
import { KINDS, type CanonicalEvent, type Kind, type NormalizeOptions } from '../events/index.js';
import { isDataError, rejectedRow, REJECTED_TABLE, type Row, type Store } from '../store/index.js';
import { prepareRecords, type EncodedTable, type PreparedRecords } from './prepare.js';
import { PreparePool } from './preparePool.js';
import type { PipelineMetrics } from './metrics.js';
import { deadLetter, type DeadLetter, type RawRecord } from './record.js';

/** Somewhere besides the rejected_events table that dead letters go (the Kafka topic). */
export interface DeadLetterSink {
  send(letters: readonly DeadLetter[]): Promise<void>;
}

/** Runs on the events of each stored batch (SLI processors, scorers). */
export interface BatchProcessor {
  process(events: readonly CanonicalEvent[]): Promise<void> | void;
}

export interface IngestCounts {
  read: number;
  normalized: number;
  skipped: number;
  rejected: number;
  storedByKind: Record<Kind, number>;
  skippedByType: Record<string, number>;
}

export type BatchResult = IngestCounts & { rejects: Array<{ origin: RawRecord['origin']; reason: string }> };

/** A normalized batch, ready to store: what `prepare` hands `store`. */
export interface PreparedBatch {
  read: number;
  /** When it was normalized (observed_time, and dead letters' received_time). */
  now: string;
  /** The records, for the dead letters of rows the store refuses. */
  records: readonly RawRecord[];
  prepared: PreparedRecords;
  letters: readonly DeadLetter[];
}

export type PipelineNormalizeOptions = Omit<NormalizeOptions, 'observedTime'>;

export interface PipelineOptions {
  /** Where dead letters go besides the rejected_events table (the Kafka topic). */
  deadLetterSinks?: readonly DeadLetterSink[];
  /** Run on the events of each stored batch. */
  processors?: readonly BatchProcessor[];
  /** Pipeline health metrics, when exported. */
  metrics?: PipelineMetrics;
  /** Worker threads that prepare batches (0: on this thread). Call `close` to end them. */
  workers?: number;
  /** Dead letters' exact bytes in rejected_events too, instead of with secrets redacted (ZTNA_DEAD_LETTER_EXACT_BYTES). */
  deadLetterExactBytes?: boolean;
}

export class IngestPipeline {
  readonly counts: IngestCounts = {
    read: 0,
    normalized: 0,
    skipped: 0,
    rejected: 0,
    storedByKind: { auth: 0, policy: 0, posture: 0, token: 0 },
    skippedByType: {},
  };

  private readonly deadLetterSinks: readonly DeadLetterSink[];
  private readonly processors: readonly BatchProcessor[];
  private readonly metrics: PipelineMetrics | undefined;
  private readonly pool: PreparePool | undefined;
  private readonly deadLetterExactBytes: boolean;

  constructor(
    private readonly eventStore: Store,
    private readonly normalize: PipelineNormalizeOptions,
    options: PipelineOptions = {},
  ) {
    this.deadLetterSinks = options.deadLetterSinks ?? [];
    this.processors = options.processors ?? [];
    this.metrics = options.metrics;
    this.pool = options.workers ? new PreparePool(normalize, options.workers, this.processors.length > 0) : undefined;
    this.deadLetterExactBytes = options.deadLetterExactBytes ?? false;
  }

  /** Ends the worker threads, if any. */
  async close(): Promise<void> {
    await this.pool?.close();
  }

  /**
   * Stores a batch; resolves with its counts and, for this batch, each reject's origin and reason.
   * Rejects (with a transient `StoreError` when the store is busy or unreachable) without
   * counting anything: the caller retries the same records and commits nothing meanwhile.
   */
  async processBatch(records: readonly RawRecord[]): Promise<BatchResult> {
    return this.store(await this.prepare(records));
  }

  /**
   * The CPU half of a batch: normalize every record, encode the rows of each table, dead-letter
   * what is invalid. No I/O, and on the worker threads when there are any, so a door can prepare
   * the next batch while the last one is being stored.
   */
  async prepare(records: readonly RawRecord[]): Promise<PreparedBatch> {
    const now = new Date().toISOString();
    const values = records.map((r) => r.value);
    const prepared = this.pool
      ? await this.pool.prepare(values, now)
      : prepareRecords(values, { ...this.normalize, observedTime: now }, this.processors.length > 0);
    const letters = prepared.rejects.map(({ index, reason }) => deadLetter(records[index]!, reason, now));
    return { read: records.length, now, records, prepared, letters };
  }

  /**
   * The I/O half: one insert per table, the tables concurrently, then the dead letters, then the
   * processors on what was stored. Safe to call again with the same prepared batch after a
   * transient failure: the store collapses rows stored twice, and nothing is counted until the
   * whole batch is stored.
   */
  async store(batch: PreparedBatch): Promise<BatchResult> {
    const { prepared } = batch;
    const letters = [...batch.letters];
    const counts = emptyCounts();
    counts.read = batch.read;
    counts.skippedByType = { ...prepared.skippedByType };
    counts.skipped = Object.values(prepared.skippedByType).reduce((a, b) => a + b, 0);
    /** Events whose rows the store refused (data errors): dead-lettered, not processed. */
    const refused = new Set<number>();
    // Every table's insert settles before a failure is thrown: nothing of this attempt is still
    // writing when the batch is tried again.
    const tables = await Promise.allSettled(
      prepared.tables.map((table) => this.insertRows(table, 0, table.ends.length, { batch, letters, refused })),
    );
    const failed = tables.find((t) => t.status === 'rejected');
    if (failed) throw failed.reason;
    // Every stored event counts by kind; a record counts once, by its own event (the first of its record's).
    for (let i = 0; i < prepared.kinds.length; i++) {
      if (refused.has(i)) continue;
      counts.storedByKind[KINDS[prepared.kinds[i]!]!]++;
      if (i === 0 || prepared.recordOf[i] !== prepared.recordOf[i - 1]) counts.normalized++;
    }
    counts.rejected = letters.length;
    if (letters.length > 0) {
      await this.timedInsert(
        REJECTED_TABLE,
        letters.map((l) => letterRow(l, this.deadLetterExactBytes)),
      );
      await Promise.all(this.deadLetterSinks.map((sink) => sink.send(letters)));
    }
    // Counted only once the batch is stored, so a retried batch counts once.
    for (const { kind, source, status, n } of prepared.outcomes) this.metrics?.events.inc({ kind, source, status }, n);
    const letterDoors = new Map<string, number>();
    for (const letter of letters) letterDoors.set(letter.origin.door, (letterDoors.get(letter.origin.door) ?? 0) + 1);
    for (const [door, n] of letterDoors) this.metrics?.deadLetters.inc({ door }, n);
    this.metrics?.batchRecords.observe(batch.read);
    if (this.processors.length > 0) {
      // Processors see the stored events in the order they arrived, not grouped by table.
      const stored = refused.size === 0 ? prepared.events : prepared.events.filter((_, i) => !refused.has(i));
      for (const processor of this.processors) await processor.process(stored);
    }
    addCounts(this.counts, counts);
    return { ...counts, rejects: letters.map((l) => ({ origin: l.origin, reason: l.reason })) };
  }

  /**
   * One insert per table per batch: rows [from, to) of the table's encoded bytes. If the engine
   * refuses the data itself (a parse, type or constraint error: `isDataError`), the rows are
   * split in halves and each half tried again, down to the rows it refuses, which become dead
   * letters: one poison record cannot stall the stream, and finding it takes a few inserts, not
   * one per row. Any other failure (too many parts, memory, timeouts, read-only, network) is the
   * store's, not the data's: it is thrown, and the batch is retried whole later.
   */
  private async insertRows(
    table: EncodedTable,
    from: number,
    to: number,
    into: { batch: PreparedBatch; letters: DeadLetter[]; refused: Set<number> },
  ): Promise<void> {
    if (to <= from) return;
    const start = from === 0 ? 0 : table.ends[from - 1]!;
    try {
      await this.timedInsert(table.table, table.data.subarray(start, table.ends[to - 1]));
      return;
    } catch (err) {
      if (!isDataError(err)) throw err;
      if (to - from === 1) {
        const event = table.eventOf[from]!;
        const record = into.batch.records[into.batch.prepared.recordOf[event]!]!;
        into.letters.push(deadLetter(record, `store refused the event: ${err.message}`, into.batch.now));
        into.refused.add(event);
        return;
      }
    }
    const half = from + Math.ceil((to - from) / 2);
    await this.insertRows(table, from, half, into);
    await this.insertRows(table, half, to, into);
  }

  private async timedInsert(table: string, rows: Row[] | Buffer): Promise<void> {
    const end = this.metrics?.insertSeconds.startTimer({ table });
    try {
      await this.eventStore.insert(table, rows);
    } catch (err) {
      this.metrics?.storeErrors.inc({ table, class: isDataError(err) ? 'data' : 'transient' });
      throw err;
    } finally {
      end?.();
    }
  }
}

function letterRow(letter: DeadLetter, exactBytes: boolean): Row {
  const { origin } = letter;
  return rejectedRow(
    {
      reject_id: letter.reject_id,
      received_time: letter.received_time,
      door: origin.door,
      topic: origin.topic ?? '',
      partition: origin.partition ?? null,
      offset: origin.offset ?? null,
      line: origin.line ?? null,
      reason: letter.reason,
      raw: letter.raw,
    },
    { exactBytes },
  );
}

function emptyCounts(): IngestCounts {
  return { read: 0, normalized: 0, skipped: 0, rejected: 0, storedByKind: { auth: 0, policy: 0, posture: 0, token: 0 }, skippedByType: {} };
}

function addCounts(total: IngestCounts, batch: IngestCounts): void {
  total.read += batch.read;
  total.normalized += batch.normalized;
  total.skipped += batch.skipped;
  total.rejected += batch.rejected;
  for (const kind of KINDS) total.storedByKind[kind] += batch.storedByKind[kind];
  for (const [type, n] of Object.entries(batch.skippedByType)) total.skippedByType[type] = (total.skippedByType[type] ?? 0) + n;
}
