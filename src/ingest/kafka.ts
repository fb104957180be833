// Kafka in and out: the consumer group that feeds the pipeline, and the dead-letter topic.
import { Kafka, logLevel, type Consumer, type KafkaMessage, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { ZtnaMetrics } from '../streams/metrics.js';
import type { DeadLetterSink, IngestPipeline } from './pipeline.js';
import type { DeadLetter, RawRecord } from './record.js';
import { retryWithBackoff, sleep } from './retry.js';

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

export function kafkaClient(settings: Pick<KafkaSettings, 'brokers' | 'clientId'>, log: Logger): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    logCreator: () => ({ namespace, level, log: entry }) => {
      const { message, ...extra } = entry;
      const fn = level <= logLevel.ERROR ? log.error : log.warn;
      fn.call(log, { namespace, ...extra }, message);
    },
    retry: { retries: 8, initialRetryTime: 200 },
  });
}

export async function ensureTopics(kafka: Kafka, topics: string[], partitions: number): Promise<void> {
  if (partitions <= 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: partitions })) });
    }
  } finally {
    await admin.disconnect();
  }
}

/** Dead letters to a topic: the exact raw bytes as the value, where they came from and why in headers. */
export class KafkaDeadLetterSink implements DeadLetterSink {
  constructor(private readonly producer: Producer, private readonly topic: string) {}

  async send(letters: readonly DeadLetter[]): Promise<void> {
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: letters.map((l) => ({
        key: l.key ?? null,
        value: l.raw,
        headers: compactHeaders({
          'ztna-reason': l.reason,
          'ztna-reject-id': l.reject_id,
          'ztna-received-time': l.received_time,
          'ztna-door': l.origin.door,
          'ztna-source-topic': l.origin.topic,
          'ztna-source-partition': l.origin.partition?.toString(),
          'ztna-source-offset': l.origin.offset,
        }),
      })),
    });
  }
}

function compactHeaders(headers: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined));
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
