// The CPU half of a batch, pure so it runs the same on the main thread or in a worker: raw
// records → normalized events (in arrival order), their rows encoded once per table as
// JSONEachRow bytes with each row's end (so a refused insert can be split without encoding
// again), and what became of each record that was not stored.
import { KINDS, normalizeRecord, type CanonicalEvent, type NormalizeOptions } from '../events/index.js';
// rows.js, not the store's index: a worker loads no engine.
import { tableFor } from '../store/rows.js';

/** One table's rows of a batch, encoded: row `i` is `data[ends[i-1] ?? 0, ends[i])`. */
export interface EncodedTable {
  table: string;
  /** JSONEachRow: one JSON object and a newline per row. */
  data: Buffer;
  ends: Uint32Array;
  /** Per row, the index of its event in `events` (and so of its record). */
  eventOf: Uint32Array;
}

export interface PreparedRecords {
  /**
   * The normalized events, in arrival order, when asked for (`withEvents`: the pipeline has
   * processors). Else empty: a worker never sends them (see `eventsFromRows`).
   */
  events: CanonicalEvent[];
  /**
   * Per normalized event, its kind's index in KINDS (what the counts need when `events` is empty).
   * A record's related events follow its own event, so one record may have several.
   */
  kinds: Uint8Array;
  /** Per event, the index of its record in the input. */
  recordOf: Uint32Array;
  tables: EncodedTable[];
  /** Records that could not be normalized: index in the input and why. */
  rejects: Array<{ index: number; reason: string }>;
  /** Records read, by kind (the record's own event's), source and status (normalized, skipped, rejected). */
  outcomes: Array<{ kind: string; source: string; status: string; n: number }>;
  /** Records skipped (not access events), by source and vendor event type. */
  skippedByType: Record<string, number>;
}

const KIND_INDEX = new Map(KINDS.map((kind, i) => [kind, i]));

/** Normalizes each record and encodes each event's row, once, into its table's bytes. */
export function prepareRecords(values: readonly Uint8Array[], options: NormalizeOptions, withEvents = true): PreparedRecords {
  const events: CanonicalEvent[] = [];
  const kinds: number[] = [];
  const recordOf: number[] = [];
  const writers = new Map<string, RowWriter>();
  const rejects: PreparedRecords['rejects'] = [];
  const outcomes = new Map<string, { kind: string; source: string; status: string; n: number }>();
  const skippedByType: Record<string, number> = {};
  const add = (event: CanonicalEvent, index: number): void => {
    const table = tableFor(event.kind);
    let writer = writers.get(table);
    if (!writer) writers.set(table, (writer = new RowWriter()));
    writer.add(JSON.stringify(event), kinds.length);
    if (withEvents) events.push(event);
    kinds.push(KIND_INDEX.get(event.kind)!);
    recordOf.push(index);
  };
  for (let index = 0; index < values.length; index++) {
    const outcome = normalizeRecord(values[index]!, options);
    const kind = outcome.status === 'normalized' ? outcome.event.kind : '';
    const source = outcome.status === 'normalized' ? outcome.event.source : outcome.status === 'skipped' ? outcome.source : '';
    const tally = `${kind}\u0000${source}\u0000${outcome.status}`;
    const seen = outcomes.get(tally);
    if (seen) seen.n++;
    else outcomes.set(tally, { kind, source, status: outcome.status, n: 1 });
    if (outcome.status === 'normalized') {
      add(outcome.event, index);
      // A record's related events follow its own, each a row of its kind's table from the same record.
      for (let r = 0; r < outcome.related.length; r++) add(outcome.related[r]!, index);
    } else if (outcome.status === 'rejected') rejects.push({ index, reason: outcome.reason });
    else {
      const type = `${outcome.source}:${outcome.eventType}`;
      skippedByType[type] = (skippedByType[type] ?? 0) + 1;
    }
  }
  return {
    events,
    kinds: Uint8Array.from(kinds),
    recordOf: Uint32Array.from(recordOf),
    tables: [...writers].map(([table, writer]) => writer.finish(table)),
    rejects,
    outcomes: [...outcomes.values()],
    skippedByType,
  };
}

/**
 * The events of prepared rows, decoded from the rows (each row is its event's JSON): what a
 * worker's batch needs on the main thread for the processors. Cheaper than having the worker
 * send the events back: a structured clone cost ~8 µs per event to write there and ~10 µs to
 * read here, JSON.parse of the row ~5 µs (measured in one process, 100,000 events).
 */
export function eventsFromRows(prepared: Pick<PreparedRecords, 'kinds' | 'tables'>): CanonicalEvent[] {
  const events = new Array<CanonicalEvent>(prepared.kinds.length);
  for (const table of prepared.tables) {
    let start = 0;
    for (let i = 0; i < table.ends.length; i++) {
      const end = table.ends[i]!;
      events[table.eventOf[i]!] = JSON.parse(table.data.toString('utf8', start, end - 1)) as CanonicalEvent; // less its newline
      start = end;
    }
  }
  return events;
}

/**
 * Prepared parts, in input order, as one: what a pool of workers hands back chunk by chunk.
 * `sizes` are the number of records each part was prepared from.
 */
export function joinPrepared(parts: readonly PreparedRecords[], sizes: readonly number[]): PreparedRecords {
  if (parts.length === 1) return parts[0]!;
  const events: CanonicalEvent[] = [];
  const kinds: number[] = [];
  const recordOf: number[] = [];
  const byTable = new Map<string, { data: Buffer[]; ends: number[]; eventOf: number[]; bytes: number }>();
  const rejects: PreparedRecords['rejects'] = [];
  const outcomes = new Map<string, { kind: string; source: string; status: string; n: number }>();
  const skippedByType: Record<string, number> = {};
  let records = 0;
  parts.forEach((part, p) => {
    const eventsBefore = kinds.length;
    for (const table of part.tables) {
      let joined = byTable.get(table.table);
      if (!joined) byTable.set(table.table, (joined = { data: [], ends: [], eventOf: [], bytes: 0 }));
      joined.data.push(table.data);
      for (const end of table.ends) joined.ends.push(joined.bytes + end);
      for (const e of table.eventOf) joined.eventOf.push(eventsBefore + e);
      joined.bytes += table.data.byteLength;
    }
    for (const event of part.events) events.push(event);
    for (const kind of part.kinds) kinds.push(kind);
    for (const r of part.recordOf) recordOf.push(records + r);
    for (const { index, reason } of part.rejects) rejects.push({ index: records + index, reason });
    for (const o of part.outcomes) {
      const key = `${o.kind}\u0000${o.source}\u0000${o.status}`;
      const seen = outcomes.get(key);
      if (seen) seen.n += o.n;
      else outcomes.set(key, { ...o });
    }
    for (const [type, n] of Object.entries(part.skippedByType)) skippedByType[type] = (skippedByType[type] ?? 0) + n;
    records += sizes[p]!;
  });
  return {
    events,
    kinds: Uint8Array.from(kinds),
    recordOf: Uint32Array.from(recordOf),
    tables: [...byTable].map(([table, t]) => ({
      table,
      data: Buffer.concat(t.data, t.bytes),
      ends: Uint32Array.from(t.ends),
      eventOf: Uint32Array.from(t.eventOf),
    })),
    rejects,
    outcomes: [...outcomes.values()],
    skippedByType,
  };
}

/**
 * One table's rows written straight into one growing buffer (no string per batch joined, no
 * copy per row), with each row's end. The buffer owns its memory, so a worker can transfer it.
 */
class RowWriter {
  private buffer = Buffer.allocUnsafeSlow(64 * 1024);
  private length = 0;
  private readonly ends: number[] = [];
  private readonly eventOf: number[] = [];

  add(json: string, event: number): void {
    const most = json.length * 3 + 1; // UTF-8 bytes of a JS string are at most 3 per UTF-16 unit
    if (this.length + most > this.buffer.byteLength) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.buffer.byteLength * 2, this.length + most));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.length += this.buffer.write(json, this.length);
    this.buffer[this.length++] = 0x0a;
    this.ends.push(this.length);
    this.eventOf.push(event);
  }

  finish(table: string): EncodedTable {
    return {
      table,
      data: this.buffer.subarray(0, this.length),
      ends: Uint32Array.from(this.ends),
      eventOf: Uint32Array.from(this.eventOf),
    };
  }
}
