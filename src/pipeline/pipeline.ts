// normalize → store → dead letters → processors, one batch at a time, for every door. A batch
// resolves only when every row is acknowledged by the store and every dead letter by its
// sinks: callers commit their source position (Kafka offsets) after that, never before.
// `prepare` (CPU) and `store` (I/O) are apart so a door can overlap the two.
import { KINDS, normalizeRecord, type CanonicalEvent, type Kind, type NormalizeOptions } from '../events/index.js';
import { eventRow, isDataError, rejectedRow, REJECTED_TABLE, tableFor, type Row, type Store } from '../store/index.js';
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

interface PreparedEvent {
  event: CanonicalEvent;
  record: RawRecord;
  row: Row;
}

/** A normalized batch, ready to store: what `prepare` hands `store`. */
export interface PreparedBatch {
  read: number;
  /** When it was normalized (observed_time, and dead letters' received_time). */
  now: string;
  byKind: ReadonlyMap<Kind, readonly PreparedEvent[]>;
  letters: readonly DeadLetter[];
  /** The normalized events in arrival order. */
  inOrder: readonly CanonicalEvent[];
  outcomes: ReadonlyArray<{ kind: string; source: string; status: string; n: number }>;
  skippedByType: Readonly<Record<string, number>>;
}

export type PipelineNormalizeOptions = Omit<NormalizeOptions, 'observedTime'>;

export interface PipelineOptions {
  /** Where dead letters go besides the rejected_events table (the Kafka topic). */
  deadLetterSinks?: readonly DeadLetterSink[];
  /** Run on the events of each stored batch. */
  processors?: readonly BatchProcessor[];
  /** Pipeline health metrics, when exported. */
  metrics?: PipelineMetrics;
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

  constructor(
    private readonly eventStore: Store,
    private readonly normalize: PipelineNormalizeOptions,
    options: PipelineOptions = {},
  ) {
    this.deadLetterSinks = options.deadLetterSinks ?? [];
    this.processors = options.processors ?? [];
    this.metrics = options.metrics;
  }

  /**
   * Stores a batch; resolves with its counts and, for this batch, each reject's origin and reason.
   * Rejects (with a transient `StoreError` when the store is busy or unreachable) without
   * counting anything: the caller retries the same records and commits nothing meanwhile.
   */
  processBatch(records: readonly RawRecord[]): Promise<BatchResult> {
    return this.store(this.prepare(records));
  }

  /**
   * The CPU half of a batch: normalize every record, sort the events by table with their rows,
   * dead-letter what is invalid. No I/O, so a door can prepare the next batch while the last
   * one is being stored.
   */
  prepare(records: readonly RawRecord[]): PreparedBatch {
    const now = new Date().toISOString();
    const options = { ...this.normalize, observedTime: now };
    const byKind = new Map<Kind, PreparedEvent[]>(KINDS.map((k) => [k, []]));
    const letters: DeadLetter[] = [];
    const inOrder: CanonicalEvent[] = [];
    const outcomes = new Map<string, { kind: string; source: string; status: string; n: number }>();
    const skippedByType: Record<string, number> = {};
    for (const record of records) {
      const outcome = normalizeRecord(record.value, options);
      const kind = outcome.status === 'normalized' ? outcome.event.kind : '';
      const source = outcome.status === 'normalized' ? outcome.event.source : outcome.status === 'skipped' ? outcome.source : '';
      const tally = `${kind}\u0000${source}\u0000${outcome.status}`;
      const seen = outcomes.get(tally);
      if (seen) seen.n++;
      else outcomes.set(tally, { kind, source, status: outcome.status, n: 1 });
      if (outcome.status === 'normalized') {
        byKind.get(outcome.event.kind)!.push({ event: outcome.event, record, row: eventRow(outcome.event) });
        inOrder.push(outcome.event);
      } else if (outcome.status === 'rejected') letters.push(deadLetter(record, outcome.reason, now));
      else {
        const type = `${outcome.source}:${outcome.eventType}`;
        skippedByType[type] = (skippedByType[type] ?? 0) + 1;
      }
    }
    return { read: records.length, now, byKind, letters, inOrder, outcomes: [...outcomes.values()], skippedByType };
  }

  /**
   * The I/O half: one insert per table, the tables concurrently, then the dead letters, then the
   * processors on what was stored. Safe to call again with the same prepared batch after a
   * transient failure: the store collapses rows stored twice, and nothing is counted until the
   * whole batch is stored.
   */
  async store(prepared: PreparedBatch): Promise<BatchResult> {
    const letters = [...prepared.letters];
    const batch = emptyCounts();
    batch.read = prepared.read;
    batch.skippedByType = { ...prepared.skippedByType };
    batch.skipped = Object.values(prepared.skippedByType).reduce((a, b) => a + b, 0);
    const accepted = new Set<CanonicalEvent>();
    // Every table's insert settles before a failure is thrown: nothing of this attempt is still
    // writing when the batch is tried again.
    const tables = await Promise.allSettled(
      [...prepared.byKind].map(async ([kind, items]) => {
        const inserted = await this.insertEvents(tableFor(kind), items, letters, prepared.now);
        batch.storedByKind[kind] = inserted.length;
        for (const e of inserted) accepted.add(e);
      }),
    );
    const failed = tables.find((t) => t.status === 'rejected');
    if (failed) throw failed.reason;
    // Processors see the stored events in the order they arrived, not grouped by table.
    const stored = accepted.size === prepared.inOrder.length ? prepared.inOrder : prepared.inOrder.filter((e) => accepted.has(e));
    batch.normalized = stored.length;
    batch.rejected = letters.length;
    if (letters.length > 0) {
      await this.timedInsert(REJECTED_TABLE, letters.map(letterRow));
      await Promise.all(this.deadLetterSinks.map((sink) => sink.send(letters)));
    }
    // Counted only once the batch is stored, so a retried batch counts once.
    for (const { kind, source, status, n } of prepared.outcomes) this.metrics?.events.inc({ kind, source, status }, n);
    const letterDoors = new Map<string, number>();
    for (const letter of letters) letterDoors.set(letter.origin.door, (letterDoors.get(letter.origin.door) ?? 0) + 1);
    for (const [door, n] of letterDoors) this.metrics?.deadLetters.inc({ door }, n);
    this.metrics?.batchRecords.observe(prepared.read);
    for (const processor of this.processors) await processor.process(stored);
    addCounts(this.counts, batch);
    return { ...batch, rejects: letters.map((l) => ({ origin: l.origin, reason: l.reason })) };
  }

  /**
   * One insert per table per batch. If the engine refuses the data itself (a parse, type or
   * constraint error: `isDataError`), the rows are split in halves and each half tried again,
   * down to the rows it refuses, which become dead letters: one poison record cannot stall the
   * stream, and finding it takes a few inserts, not one per row. Any other failure (too many
   * parts, memory, timeouts, read-only, network) is the store's, not the data's: it is thrown,
   * and the batch is retried whole later.
   */
  private async insertEvents(
    table: string,
    items: readonly PreparedEvent[],
    letters: DeadLetter[],
    now: string,
  ): Promise<CanonicalEvent[]> {
    if (items.length === 0) return [];
    try {
      await this.timedInsert(
        table,
        items.map((i) => i.row),
      );
      return items.map((i) => i.event);
    } catch (err) {
      if (!isDataError(err)) throw err;
      if (items.length === 1) {
        letters.push(deadLetter(items[0]!.record, `store refused the event: ${err.message}`, now));
        return [];
      }
    }
    const half = Math.ceil(items.length / 2);
    const first = await this.insertEvents(table, items.slice(0, half), letters, now);
    return [...first, ...(await this.insertEvents(table, items.slice(half), letters, now))];
  }

  private async timedInsert(table: string, rows: Row[]): Promise<void> {
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

function letterRow(letter: DeadLetter) {
  const { origin } = letter;
  return rejectedRow({
    reject_id: letter.reject_id,
    received_time: letter.received_time,
    door: origin.door,
    topic: origin.topic ?? '',
    partition: origin.partition ?? null,
    offset: origin.offset ?? null,
    line: origin.line ?? null,
    reason: letter.reason,
    raw: letter.raw,
  });
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
