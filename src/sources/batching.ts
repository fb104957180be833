// Batching that fits ClickHouse, for the doors that read fast (Kafka, files): records from every
// partition or file are gathered into one batch (bounded by records, bytes and a short linger),
// and the pipeline's two halves overlap: batch k+1 is normalized (on the pipeline's worker
// threads, or this one) while batch k is stored by the engine. A door's positions (Kafka offsets) are committed only after the batch
// that holds them is stored, in order. At most one batch is stored, one waits prepared and one
// gathers: a door adding to a full batch waits (backpressure), so memory stays bounded.
import type { BatchResult, PreparedBatch } from '../pipeline/pipeline.js';
import type { RawRecord } from '../pipeline/record.js';
import { pauseUnlessStopped, retryWithBackoff, sleep } from '../pipeline/retry.js';

export interface BatchingSettings {
  /**
   * Records in one batch: a batch goes once it has this many. A door's chunk (one partition's
   * fetch) is never split, so its offsets commit with it: a batch can be one chunk over.
   */
  maxRecords: number;
  /** Bytes of raw records in one batch at most. */
  maxBytes: number;
  /** How long the first record of a batch waits for more before the batch goes (freshness). */
  lingerMs: number;
}

export interface BatchingOptions {
  /**
   * What closing does with a batch the store refuses: 'give up' (a door that can replay, Kafka:
   * the batch and every later one stay uncommitted and are read again after the restart) or
   * 'keep trying' (a door that cannot, a file import: it waits for the store as long as it takes).
   */
  whenClosing: 'give up' | 'keep trying';
}

export const DEFAULT_BATCHING: BatchingSettings = { maxRecords: 20_000, maxBytes: 16 * 1024 * 1024, lingerMs: 100 };

export interface BatchingHooks<P> {
  /** Commits the positions of a stored batch (in the order they were added). */
  commit(positions: readonly P[]): Promise<void>;
  /** Told of each failed attempt to store a batch; the same batch is tried again after `delayMs`. */
  onRetry(err: unknown, attempt: number, delayMs: number): void;
}

interface Gathered<P> {
  records: RawRecord[];
  positions: P[];
  bytes: number;
  firstAt: number;
}

/** A wake-up call that any number may wait for; each `notify` wakes those waiting then. */
class Signal {
  private waiters: Array<() => void> = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

export class BatchingRunner<P> {
  private gathering: Gathered<P> = empty();
  private closed = false;
  private readonly closing = new AbortController();
  /** Set when a batch could not be stored while closing: nothing after it may be committed. */
  private broken = false;
  /** Set when the runner itself failed (a bug in prepare, a commit that threw): it takes nothing more. */
  private failure: unknown;
  private readonly added = new Signal();
  private readonly taken = new Signal();
  private readonly done: Promise<void>;

  constructor(
    private readonly pipeline: {
      prepare(records: readonly RawRecord[]): Promise<PreparedBatch>;
      store(prepared: PreparedBatch): Promise<BatchResult>;
    },
    private readonly settings: BatchingSettings,
    private readonly hooks: BatchingHooks<P>,
    private readonly options: BatchingOptions = { whenClosing: 'give up' },
  ) {
    this.done = this.run().catch((err: unknown) => {
      this.failure = err;
      this.taken.notify(); // a door waiting for room hears of it
    });
  }

  /**
   * Gathers records with the position to commit once they are stored (no records: a position to
   * commit once every batch before it is stored and committed). Waits while the batch
   * being gathered is full, calling `keepAlive` about every second (Kafka heartbeats). False when
   * the runner is closing: the records were not taken, and their position must not be committed.
   */
  async add(records: readonly RawRecord[], position: P, keepAlive?: () => Promise<void>): Promise<boolean> {
    while (this.isFull() && !this.closed && this.failure === undefined) {
      await Promise.race([this.taken.wait(), sleep(1000)]);
      if (!this.closed) await keepAlive?.();
    }
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) return false;
    const g = this.gathering;
    if (g.records.length === 0 && g.positions.length === 0) g.firstAt = performance.now();
    for (const record of records) {
      g.records.push(record);
      g.bytes += record.value.byteLength;
    }
    g.positions.push(position);
    this.added.notify();
    return true;
  }

  /**
   * Stops taking records, stores and commits what is gathered and in flight. Resolves true when
   * everything added was stored, false when the store refused a batch while closing ('give up');
   * rejects when the runner itself failed.
   */
  async close(): Promise<boolean> {
    this.closed = true;
    if (this.options.whenClosing === 'give up') this.closing.abort();
    this.added.notify();
    this.taken.notify();
    await this.done;
    if (this.failure !== undefined) throw this.failure;
    return !this.broken;
  }

  private isFull(): boolean {
    return this.gathering.records.length >= this.settings.maxRecords || this.gathering.bytes >= this.settings.maxBytes;
  }

  private async run(): Promise<void> {
    let storing: Promise<void> = Promise.resolve();
    try {
      for (;;) {
        const batch = await this.next();
        if (!batch) break;
        const prepared = await this.pipeline.prepare(batch.records);
        await storing; // the last batch is stored (and committed) before this one goes: order holds
        storing = this.storeAndCommit(prepared, batch.positions);
      }
    } finally {
      await storing; // a batch that failed to prepare leaves the one before it stored and committed
    }
  }

  /** The next batch: once the gathered records fill it, wait out the linger, or the runner closes. */
  private async next(): Promise<Gathered<P> | undefined> {
    // A position added without records (its records are in an earlier batch) still makes a batch, to be committed.
    while (this.gathering.records.length === 0 && this.gathering.positions.length === 0) {
      if (this.closed) return undefined;
      await this.added.wait();
    }
    for (;;) {
      const left = this.gathering.firstAt + this.settings.lingerMs - performance.now();
      if (this.isFull() || this.closed || left <= 0) break;
      await Promise.race([this.added.wait(), sleep(left)]);
    }
    const batch = this.gathering;
    this.gathering = empty();
    this.taken.notify();
    return batch;
  }

  private async storeAndCommit(prepared: PreparedBatch, positions: readonly P[]): Promise<void> {
    // While open, a batch the store cannot take is tried again until it can. Once closing with
    // 'give up', a failure ends it: this batch and every later one stay uncommitted and are read
    // again after the restart (committing a later batch would skip this one's records).
    const stored = await retryWithBackoff(() => this.pipeline.store(prepared), {
      stopped: () => this.broken,
      pause: (ms) => pauseUnlessStopped(ms, this.closing.signal),
      onFailure: (err, attempt, delayMs) => {
        this.hooks.onRetry(err, attempt, delayMs);
        if (this.closed && this.options.whenClosing === 'give up') this.broken = true;
      },
    });
    if (!stored.done) return;
    await this.hooks.commit(positions);
  }
}

function empty<P>(): Gathered<P> {
  return { records: [], positions: [], bytes: 0, firstAt: 0 };
}
