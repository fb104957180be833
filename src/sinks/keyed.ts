// The keyed repartition's two ends that touch the outside: the producer of `ztna.keyed` (a batch
// processor, after the store insert and before the source's offsets are committed) and the read
// of the scoring window from the store that rebuilds a replica's state for partitions it gains.
import type { Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Histogram } from 'prom-client';
import type { CanonicalEvent } from '../events/index.js';
import {
  compactEvent,
  decodeKeyed,
  encodeKeyed,
  keyedMessages,
  type KeyedMessage,
  type KeyedScoring,
  type RaisedAnomaly,
} from '../detect/keyed.js';
import type { AnomalyProcessor } from '../detect/processor.js';
import type { BatchProcessor } from '../pipeline/pipeline.js';
import { fromClickHouseTime, namedQuery, rangeParams, type Store } from '../store/index.js';

/** Largest produce request, as for the dead letters: one request over the broker's limit is refused at every retry. */
const MAX_REQUEST_MESSAGES = 5_000;

/**
 * Produces every stored event to the keyed topic, once per key it is scored by, and resolves only
 * when the brokers have acknowledged it (acks all): the pipeline runs processors before the source
 * commits, so the source's offsets move only past events both stored and repartitioned.
 */
export class KeyedRepartition implements BatchProcessor {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  async process(events: readonly CanonicalEvent[]): Promise<void> {
    // Partitioned by kafkajs' default partitioner (murmur2 of the key), which `partitionOf` reproduces.
    const messages = events.flatMap((event) => keyedMessages(event).map(({ key, message }) => ({ key, value: encodeKeyed(message) })));
    for (let i = 0; i < messages.length; i += MAX_REQUEST_MESSAGES) {
      await this.producer.send({ topic: this.topic, acks: -1, messages: messages.slice(i, i + MAX_REQUEST_MESSAGES) });
    }
  }
}

/** The stored events of [from, to) in time order, in the keyed form the scorers replay. */
export async function readScorerWindow(store: Store, from: Date, to: Date): Promise<CanonicalEvent[]> {
  const rows = await store.query<Record<string, unknown>>(namedQuery('scorer_state'), rangeParams({ from, to }));
  return rows.map((row) => compactEvent(storedForm(row)));
}

/** The anomalies stored with a time in [from, to), as a rebuild marks them raised. */
export async function readRaisedAnomalies(store: Store, from: Date, to: Date): Promise<RaisedAnomaly[]> {
  const rows = await store.query<{ type: RaisedAnomaly['type']; tenant: string; key: string; ms: string | number; evidence: string }>(
    namedQuery('scorer_state_anomalies'),
    rangeParams({ from, to }),
  );
  return rows.map(({ type, tenant, key, ms, evidence }) => {
    const parsed = JSON.parse(evidence) as { reasons?: string[]; baseline?: { principal?: unknown } };
    const principal = parsed.baseline?.principal;
    return {
      type,
      tenant,
      key,
      time: new Date(Number(ms)).toISOString(),
      reasons: parsed.reasons ?? [],
      principal: typeof principal === 'string' ? principal : undefined,
    };
  });
}

/** A stored row's values as an event has them: instants in ISO form, the sequence a number. */
function storedForm(row: Record<string, unknown>): Record<string, unknown> {
  const iso = (v: unknown) => (typeof v === 'string' && v !== '' ? fromClickHouseTime(v) : v);
  return {
    ...row,
    time: iso(row.time),
    expires_at: iso(row.expires_at),
    emitter_seq: row.emitter_seq === null || row.emitter_seq === undefined ? undefined : Number(row.emitter_seq),
    mfa: row.mfa === null ? undefined : Boolean(row.mfa),
  };
}

export interface KeyedScoringOptions {
  scoring: KeyedScoring;
  /** Publishes what the scorers raise (the anomalies table and topic). */
  anomalies: AnomalyProcessor;
  /** Telemetry completeness, on the events keyed by emitter. */
  completeness: BatchProcessor;
  store: Store;
  /** How far back the state of a gained partition is rebuilt from (the scorers' longest window that matters). */
  windowMs: number;
  rebuildSeconds?: Histogram;
  log: Logger;
}

/** What a replica does with the keyed topic: the keyed consumer's handler (src/sources/keyed.ts). */
export function keyedScoringHandler(options: KeyedScoringOptions) {
  const { scoring, anomalies, completeness, log } = options;
  return {
    async assigned(gained: ReadonlySet<number>, lost: ReadonlySet<number>): Promise<void> {
      if (lost.size > 0) log.info({ lost: [...lost], keys: scoring.drop(lost) }, 'keyed: state dropped for the partitions lost');
      if (gained.size === 0) return;
      const end = options.rebuildSeconds?.startTimer();
      const to = new Date(Date.now() + 60_000); // events stamped a little ahead by their emitters' clocks
      const from = new Date(to.getTime() - options.windowMs);
      const [events, raised] = await Promise.all([readScorerWindow(options.store, from, to), readRaisedAnomalies(options.store, from, to)]);
      await anomalies.publish(scoring.rebuild(events, raised, gained));
      const seconds = end?.();
      log.info({ gained: [...gained], events: events.length, seconds }, 'keyed: state rebuilt from the store for the partitions gained');
    },
    async process(values: ReadonlyArray<Buffer | null>): Promise<void> {
      const messages = values.map(decodeKeyed).filter((m): m is KeyedMessage => m !== undefined);
      const scored = scoring.score(messages);
      await completeness.process(scored.completeness);
      await anomalies.publish(scored.anomalies);
    },
  };
}
