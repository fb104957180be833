// A pool of worker threads that prepare records (parse → normalize → validate → encode rows), so
// the main thread is left the store, the processors and the doors. A batch is cut into chunks
// in order, the chunks go to the workers, and the results are joined in the same order: the
// events come back in arrival order whichever worker finishes first.
//
// A worker that dies (out of memory, terminated) is replaced and its chunks are prepared again
// on the new one; a chunk that kills a second worker fails its batch loudly instead of looping:
// nothing of that batch is stored or committed, and the door stops with the reason.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { NormalizeOptions } from '../events/index.js';
import { eventsFromRows, joinPrepared, type PreparedRecords } from './prepare.js';

export interface PrepareRequest {
  id: number;
  /** The records' bytes, one after another. */
  data: ArrayBuffer;
  /** Where each record ends in `data`. */
  ends: Uint32Array;
  observedTime: string;
}

export interface PrepareResponse {
  id: number;
  prepared: PreparedRecords;
}

/**
 * The pool's size: the setting when given, else one worker per available core but one, which is
 * left to the main thread and the engine's inserts and merges (on 2 cores, 2 workers measured
 * slower than 1 or none: bench:import, 100,000 events).
 */
export const preparePoolSize = (setting: number | undefined): number => setting ?? Math.max(0, availableParallelism() - 1);

/** Records per chunk at most: small enough to share a batch among the workers, large enough to pay the messages. */
const CHUNK_RECORDS = 2500;

interface Job {
  request: PrepareRequest;
  /** Workers it was sent to: a second that dies fails it. */
  attempts: number;
  resolve(prepared: PreparedRecords): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
}

/**
 * A worker holds one chunk at a time (a few MiB live). Bounded, its heap is collected as it goes
 * instead of growing toward a share of the machine's memory: about 100 MiB less resident per
 * worker in bench:import. A chunk that outgrows it fails like a crash (redone once, then loudly).
 */
const WORKER_HEAP = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 };

// From the sources (tests, `tsx`) the worker is the .ts file, loaded through tsx; built, the .js beside this one.
const fromSources = import.meta.url.endsWith('.ts');
const WORKER_FILE = new URL(fromSources ? './prepareWorker.ts' : './prepareWorker.js', import.meta.url);
const WORKER_EXEC_ARGV = fromSources ? ['--import', 'tsx'] : [];

export class PreparePool {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private next = 0;
  private closed = false;

  constructor(
    private readonly options: Omit<NormalizeOptions, 'observedTime'>,
    readonly size: number,
    /** Whether the events are wanted besides their rows (decoded from the rows here, when the pipeline has processors). */
    private readonly withEvents = true,
  ) {
    if (size < 1) throw new Error('a prepare pool needs at least one worker');
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** The workers, for their thread ids (health, tests). */
  get threads(): readonly Worker[] {
    return this.slots.map((s) => s.worker);
  }

  async prepare(values: readonly Uint8Array[], observedTime: string): Promise<PreparedRecords> {
    if (this.closed) throw new Error('the prepare pool is closed');
    const per = Math.min(CHUNK_RECORDS, Math.ceil(values.length / this.size));
    const chunks: Array<readonly Uint8Array[]> = [];
    for (let i = 0; i < values.length; i += per) chunks.push(values.slice(i, i + per));
    if (chunks.length === 0) chunks.push([]);
    const parts = await Promise.all(chunks.map((chunk) => this.submit(chunk, observedTime)));
    const prepared = joinPrepared(
      parts,
      chunks.map((c) => c.length),
    );
    if (this.withEvents) prepared.events = eventsFromRows(prepared);
    return prepared;
  }

  /** Terminates the workers; a batch being prepared fails. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private submit(values: readonly Uint8Array[], observedTime: string): Promise<PreparedRecords> {
    const bytes = values.reduce((n, v) => n + v.byteLength, 0);
    // Its own memory, not Node's shared buffer pool, since it is transferred.
    const data = new Uint8Array(new ArrayBuffer(bytes));
    const ends = new Uint32Array(values.length);
    let at = 0;
    values.forEach((v, i) => {
      data.set(v, at);
      ends[i] = at += v.byteLength;
    });
    return new Promise((resolve, reject) => {
      const job: Job = { request: { id: this.nextId++, data: data.buffer, ends, observedTime }, attempts: 0, resolve, reject };
      this.send(this.slots[this.next++ % this.slots.length]!, job);
    });
  }

  private send(slot: Slot, job: Job): void {
    job.attempts++;
    slot.jobs.set(job.request.id, job);
    // The request is copied, not transferred: a job sent again after a crash needs its bytes.
    slot.worker.postMessage(job.request);
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_FILE, {
      workerData: this.options,
      execArgv: WORKER_EXEC_ARGV,
      resourceLimits: WORKER_HEAP,
    });
    const slot: Slot = { worker, jobs: new Map() };
    worker.on('message', ({ id, prepared }: PrepareResponse) => {
      const job = slot.jobs.get(id);
      if (!job) return;
      slot.jobs.delete(id);
      job.resolve(asBuffers(prepared));
    });
    let failure: Error | undefined;
    worker.on('error', (err) => (failure = err));
    worker.on('exit', (code) => {
      if (this.closed) {
        for (const job of slot.jobs.values()) job.reject(new Error('the prepare pool closed while a batch was being prepared'));
        return;
      }
      const why = failure?.message ?? `exit code ${code}`;
      const replacement = this.spawn();
      this.slots[this.slots.indexOf(slot)] = replacement;
      for (const job of slot.jobs.values()) {
        if (job.attempts >= 2) job.reject(new Error(`a prepare worker died twice on the same records (${why}): the batch is not stored`));
        else this.send(replacement, job);
      }
    });
    return slot;
  }
}

/** What arrives from a worker as Uint8Arrays, as Buffers again (same memory). */
function asBuffers(prepared: PreparedRecords): PreparedRecords {
  for (const t of prepared.tables) t.data = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return prepared;
}
