// The keyed repartition's two ends that touch the outside: the producer of `ztna.keyed` (a batch
// processor, after the store insert and before the source's offsets are committed) and the read
// of the scoring window from the store that rebuilds a replica's state for partitions it gains.
import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Histogram } from 'prom-client';
import type { CanonicalEvent } from '../events/index.js';
import {
  compactEvent,
  decodeKeyed,
  encodeKeyed,
  keyedMessages,
  partitionOf,
  type KeyedMessage,
  type KeyedScoring,
  type RaisedAnomaly,
} from '../detect/keyed.js';
import type { RelatedAnomaly } from '../detect/anomaly.js';
import type { AnomalyProcessor } from '../detect/processor.js';
import type { BatchProcessor } from '../pipeline/pipeline.js';
import { fromClickHouseTime, namedQuery, rangeParams, type Store } from '../store/index.js';
import { produceRequests } from './requests.js';

/**
 * Bytes per keyed partition in one produce request at most, under the broker's default
 * max.message.bytes (1 MiB): a pipeline batch's keyed messages crowd onto few partitions (an
 * emitter's completeness route, a tenant's denials), and one partition's oversized record batch
 * is refused at every retry (issue 14's stall).
 */
const KEYED_PARTITION_REQUEST_BYTES = 512 * 1024;

/**
 * Produces every stored event to the keyed topic, once per key it is scored by, and resolves only
 * when the brokers have acknowledged it (acks all): the pipeline runs processors before the source
 * commits, so the source's offsets move only past events both stored and repartitioned.
 *
 * Its own producer, not idempotent: a message written twice (a retried request, a batch tried
 * again) is scored once, by its event id. kafkajs's idempotent producer, after a request that the
 * broker took in part, rolls back the sequence numbers of every partition in it and answers
 * OUT_OF_ORDER_SEQUENCE_NUMBER from then on, which would also stop the anomalies and dead letters
 * that share the service's producer.
 */
export class KeyedRepartition implements BatchProcessor {
  private readonly producer: Producer;
  private partitions = 0;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
  ) {
    this.producer = kafka.producer({ idempotent: false, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  /** Connects once the topic is there with its `partitions`: the messages' partitions are chosen here. */
  async connect(partitions: number): Promise<void> {
    await this.producer.connect();
    this.partitions = partitions;
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }

  async process(events: readonly CanonicalEvent[]): Promise<void> {
    if (this.partitions === 0) throw new Error('keyed topic: not connected yet');
    // The partition kafkajs' default partitioner (murmur2 of the key) would choose, which the rebuild's `partitionOf` reproduces.
    const messages = events.flatMap((event) =>
      keyedMessages(event).map(({ key, message }) => ({ key, value: encodeKeyed(message), partition: partitionOf(key, this.partitions) })),
    );
    for (const request of produceRequests(messages, KEYED_PARTITION_REQUEST_BYTES, (m) => m.partition)) {
      await this.producer.send({ topic: this.topic, acks: -1, messages: request });
    }
  }
}

/** The stored events of [from, to) in time order, in the keyed form the scorers replay; with `credentialsOnly`, tokens' lifecycle events alone. */
export async function readScorerWindow(store: Store, from: Date, to: Date, { credentialsOnly = false } = {}): Promise<CanonicalEvent[]> {
  const rows = await store.query<Record<string, unknown>>(namedQuery('scorer_state'), {
    ...rangeParams({ from, to }),
    credentials_only: credentialsOnly ? 1 : 0,
  });
  return rows.map((row) => compactEvent(storedForm(row)));
}

/**
 * The anomalies stored with a time in [from, to), as a rebuild marks them raised: each incident's
 * own and those joined to it (`evidence.related`; a related one carries no reasons, and is about
 * the incident's principal).
 */
export async function readRaisedAnomalies(store: Store, from: Date, to: Date): Promise<RaisedAnomaly[]> {
  const rows = await store.query<{
    anomaly_id: string;
    type: RaisedAnomaly['type'];
    tenant: string;
    key: string;
    ms: string | number;
    evidence: string;
  }>(namedQuery('scorer_state_anomalies'), rangeParams({ from, to }));
  return rows.flatMap(({ anomaly_id, type, tenant, key, ms, evidence }) => {
    const parsed = JSON.parse(evidence) as { reasons?: string[]; baseline?: { principal?: unknown }; related?: RelatedAnomaly[] };
    const principal = typeof parsed.baseline?.principal === 'string' ? parsed.baseline.principal : undefined;
    const own: RaisedAnomaly = {
      anomaly_id,
      type,
      tenant,
      key,
      time: new Date(Number(ms)).toISOString(),
      reasons: parsed.reasons ?? [],
      principal,
    };
    return [
      own,
      ...(parsed.related ?? []).map((r) => ({
        anomaly_id: r.anomaly_id,
        type: r.type,
        tenant,
        key: r.key,
        time: r.time,
        reasons: [],
        principal,
      })),
    ];
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
      // Token replay remembers a token's issue and revocation longer than the window (its idle expiry, a day by default).
      const remembered = new Date(to.getTime() - scoring.credentialMemoryMs);
      const [history, events, raised] = await Promise.all([
        remembered < from ? readScorerWindow(options.store, remembered, from, { credentialsOnly: true }) : [],
        readScorerWindow(options.store, from, to),
        readRaisedAnomalies(options.store, from, to),
      ]);
      await anomalies.publish(scoring.rebuild(events, raised, gained, history));
      const seconds = end?.();
      log.info(
        { gained: [...gained], events: events.length, credentialEvents: history.length, seconds },
        'keyed: state rebuilt from the store for the partitions gained',
      );
    },
    async process(values: ReadonlyArray<Buffer | null>, stillHeld: () => Promise<boolean>): Promise<void> {
      const messages = values.map(decodeKeyed).filter((m): m is KeyedMessage => m !== undefined);
      const scored = scoring.score(messages);
      await completeness.process(scored.completeness);
      // A member evicted while it stalled has lost these partitions: their next holder's rebuild
      // raises these anomalies from the stored events, and published here too they would be raised twice.
      if (scored.anomalies.length > 0 && !(await stillHeld())) {
        log.warn(
          { anomalies: scored.anomalies.length },
          'keyed: partitions lost while scoring; their next holder raises what this batch raised',
        );
        return;
      }
      await anomalies.publish(scored.anomalies);
    },
  };
}
