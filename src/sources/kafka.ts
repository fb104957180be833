// The Kafka source: a consumer group that feeds the pipeline, committing offsets only once a batch is stored.
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { ZtnaMetrics } from '../metrics.js';
import { ensureTopics } from '../kafka/client.js';
import type { IngestPipeline } from '../pipeline/pipeline.js';
import type { RawRecord } from '../pipeline/record.js';
import { retryWithBackoff, sleep } from '../pipeline/retry.js';

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
}

export interface KafkaSourceHandle {
  consumer: Consumer;
  /** Stops fetching, lets the batch in flight finish and commit, leaves the group. */
  stop(): Promise<void>;
}

/**
 * Consumes the topics into the pipeline. Offsets are committed explicitly, after the
 * pipeline has stored the batch; a crash between the two replays the batch, and the
 * store's deduplication on event_id keeps the replay from counting twice.
 */
export async function startKafkaSource(
  kafka: Kafka,
  settings: KafkaSettings,
  pipeline: IngestPipeline,
  log: Logger,
  metrics?: ZtnaMetrics,
): Promise<KafkaSourceHandle> {
  await ensureTopics(kafka, [...settings.topics, settings.deadLetterTopic, ...settings.outputTopics], settings.createTopicsPartitions);
  const consumer = kafka.consumer({
    groupId: settings.groupId,
    sessionTimeout: settings.sessionTimeoutMs,
    heartbeatInterval: Math.floor(settings.sessionTimeoutMs / 10),
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: settings.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const stopped = () => !isRunning() || isStale();
        if (stopped() || batch.messages.length === 0) return;
        const records = batch.messages.map((m) => toRecord(batch.topic, batch.partition, m));
        // A busy or unreachable store holds this partition here (nothing else is consumed:
        // one partition at a time) until the batch is stored; the group keeps us through heartbeats.
        const stored = await retryWithBackoff(() => pipeline.processBatch(records), {
          stopped,
          pause: (ms) => pauseWithHeartbeats(ms, heartbeat, stopped),
          onFailure: (err, attempt, delayMs) => {
            metrics?.ingestRetries.inc({ door: 'kafka' });
            log.warn({ err: (err as Error).message, topic: batch.topic, partition: batch.partition, attempt, retryInMs: delayMs }, 'batch not stored; retrying the same records, offsets not committed');
          },
        });
        if (!stored.done) return; // stopping or revoked: the batch is read again from the committed offset
        const last = batch.messages[batch.messages.length - 1]!.offset;
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
        resolveOffset(last);
        metrics?.consumerLag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
        await heartbeat();
      },
    });
  } catch (err) {
    await consumer.disconnect(); // a failed start leaves no member behind
    throw err;
  }
  log.info({ topics: settings.topics, group: settings.groupId }, 'consuming');
  return {
    consumer,
    stop: () => consumer.disconnect(),
  };
}

/** Waits `ms` in slices, heartbeating so the group does not evict a replica that is only waiting. */
async function pauseWithHeartbeats(ms: number, heartbeat: () => Promise<void>, stopped: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!stopped() && Date.now() < end) {
    await sleep(Math.min(1000, end - Date.now()));
    await heartbeat();
  }
}

function toRecord(topic: string, partition: number, message: KafkaMessage): RawRecord {
  return {
    value: message.value ?? Buffer.alloc(0),
    key: message.key,
    origin: { door: 'kafka', topic, partition, offset: message.offset },
  };
}
