// The Kafka source: a consumer group that feeds the pipeline, committing offsets only once a batch is stored.
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { SourceMetrics } from './metrics.js';
import { ensureTopics, kafkaSetupFailure } from '../kafka/client.js';
import { restartAfterCrash } from '../pipeline/restartAfterCrash.js';
import type { IngestPipeline } from '../pipeline/pipeline.js';
import type { RawRecord } from '../pipeline/record.js';
import { BatchingRunner, DEFAULT_BATCHING, type BatchingSettings } from './batching.js';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  groupId: string;
  topics: string[];
  deadLetterTopic: string;
  /** Topics the service writes besides the dead letters (anomalies). */
  outputTopics: string[];
  /** Create missing topics at start-up with this many partitions (0: never create). */
  createTopicsPartitions: number;
  sessionTimeoutMs: number;
  /** How records are gathered into batches (default DEFAULT_BATCHING). */
  batching?: BatchingSettings;
}

export interface KafkaSourceHandle {
  consumer: Consumer;
  /** Tells `listener` when the consumer stopped for good (a reason waiting cannot fix); other crashes restart it. */
  onStopped(listener: (reason: string) => void): void;
  /** Stops fetching, stores and commits what was gathered, leaves the group. */
  stop(): Promise<void>;
}

interface PartitionPosition {
  topic: string;
  partition: number;
  /** The last offset of the records added. */
  offset: string;
}

/**
 * Consumes the topics into the pipeline. What a fetch returns, across every assigned partition,
 * is gathered into large batches (`BatchingRunner`); offsets are committed explicitly, after the
 * batch that holds them is stored. A crash between the two replays the batch, and the store's
 * deduplication on event_id keeps the replay from counting twice.
 */
export async function startKafkaSource(
  kafka: Kafka,
  settings: KafkaSettings,
  pipeline: IngestPipeline,
  log: Logger,
  metrics?: SourceMetrics,
): Promise<KafkaSourceHandle> {
  await ensureTopics(kafka, [...settings.topics, settings.deadLetterTopic, ...settings.outputTopics], settings.createTopicsPartitions);
  const consumer = kafka.consumer({
    groupId: settings.groupId,
    sessionTimeout: settings.sessionTimeoutMs,
    heartbeatInterval: Math.floor(settings.sessionTimeoutMs / 10),
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxBytes: 32 * 1024 * 1024,
  });
  // Offsets are committed only for partitions this member holds when the batch is committed: a
  // batch stored late after its partition moved away must not move back the new owner's offset.
  // (A partition that moves away and back in between can still see a lower offset committed: the
  // cost is records read again, which the store collapses, never records skipped.)
  let assigned: Record<string, number[]> = {};
  /** Per partition, the last offset handed to the runner (stored or on its way). */
  const taken = new Map<string, bigint>();
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => (assigned = payload.memberAssignment));
  const runner = new BatchingRunner<PartitionPosition>(pipeline, settings.batching ?? DEFAULT_BATCHING, {
    commit: (positions) => commitPositions(consumer, positions, assigned, log),
    onRetry: (err, attempt, delayMs) => {
      metrics?.ingestRetries.inc({ door: 'kafka' });
      log.warn(
        { err: (err as Error).message, attempt, retryInMs: delayMs },
        'batch not stored; retrying the same records, offsets not committed',
      );
    },
  });
  let stoppedFor: (reason: string) => void = () => {};
  const run = () =>
    consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const last = batch.messages[batch.messages.length - 1]!.offset;
        // After a rebalance kafkajs fetches a partition it kept again from the committed offset:
        // the records already handed to the runner are skipped, not stored and counted twice.
        const partition = `${batch.topic}\u0000${batch.partition}`;
        const handed = taken.get(partition) ?? -1n;
        const fresh = batch.messages.filter((m) => BigInt(m.offset) > handed);
        const records = fresh.map((m) => toRecord(batch.topic, batch.partition, m));
        // All handed already, the position handed is still added, to be committed after the batches
        // that hold those records: their own commit may have been skipped while the partition was
        // away during the rebalance, and nothing else would commit it (the group would stay behind
        // records that are stored, for good).
        const upTo = BigInt(last) > handed ? BigInt(last) : handed;
        // Waits (heartbeating) only while a full batch is already gathered: backpressure.
        if (!(await runner.add(records, { topic: batch.topic, partition: batch.partition, offset: upTo.toString() }, heartbeat))) return;
        taken.set(partition, upTo);
        resolveOffset(last); // fetch on from here; committed once stored
        metrics?.consumerLag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
        await heartbeat();
      },
    });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: settings.topics, fromBeginning: true });
    await run();
  } catch (err) {
    await runner.close();
    await consumer.disconnect(); // a failed start leaves no member behind
    throw err;
  }
  const restarts = restartAfterCrash(consumer, {
    what: 'kafka source',
    log,
    run,
    fatal: kafkaSetupFailure,
    onFatal: (reason) => stoppedFor(reason),
  });
  log.info({ topics: settings.topics, group: settings.groupId }, 'consuming');
  return {
    consumer,
    onStopped: (listener) => (stoppedFor = listener),
    stop: async () => {
      await restarts.stop();
      consumer.pause(settings.topics.map((topic) => ({ topic })));
      try {
        await runner.close(); // stores and commits what was gathered while the consumer still runs
      } finally {
        await consumer.disconnect();
      }
    },
  };
}

/** Commits, per partition still assigned, the offset after the last one stored. */
async function commitPositions(
  consumer: Consumer,
  positions: readonly PartitionPosition[],
  assigned: Record<string, number[]>,
  log: Logger,
): Promise<void> {
  const next = new Map<string, { topic: string; partition: number; offset: bigint }>();
  for (const p of positions) {
    if (!assigned[p.topic]?.includes(p.partition)) continue;
    const key = `${p.topic}\u0000${p.partition}`;
    const offset = BigInt(p.offset) + 1n;
    if ((next.get(key)?.offset ?? -1n) < offset) next.set(key, { topic: p.topic, partition: p.partition, offset });
  }
  if (next.size === 0) return;
  try {
    await consumer.commitOffsets([...next.values()].map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset.toString() })));
  } catch (err) {
    // A rebalance under way: the batch is stored, and its records will be read again by their
    // next owner and collapse on their event ids. Nothing is lost.
    log.warn({ err: (err as Error).message }, 'offsets not committed (rebalance?): the stored batch will be read again');
  }
}

function toRecord(topic: string, partition: number, message: KafkaMessage): RawRecord {
  return {
    value: message.value ?? Buffer.alloc(0),
    key: message.key,
    origin: { door: 'kafka', topic, partition, offset: message.offset },
  };
}
