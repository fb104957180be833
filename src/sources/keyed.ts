// The keyed topic's consumer (`ztna.keyed`, Kafka Streams' repartition topic): the stateful
// processors read it in a consumer group of their own, so each replica's state covers exactly
// the keyed partitions it holds. On each assignment the handler is told what was gained and lost
// (to rebuild and drop state) before any batch of the new assignment is handed to it.
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { ensureTopics } from '../kafka/client.js';

export interface KeyedHandler {
  /** The partitions gained and lost since the last assignment; batches wait until this resolves. */
  assigned(gained: ReadonlySet<number>, lost: ReadonlySet<number>): Promise<void>;
  /** The messages of one partition's batch, in order; their offsets are committed once this resolves. */
  process(values: ReadonlyArray<Buffer | null>): Promise<void>;
}

export interface KeyedConsumerSettings {
  topic: string;
  /** The service's group: the keyed consumer's is `<group>.keyed`. */
  groupId: string;
  sessionTimeoutMs: number;
}

/** Creates the keyed topic if missing (with its own partition count; 0: never create) and returns how many partitions it has. */
export async function prepareKeyedTopic(kafka: Kafka, topic: string, createPartitions: number): Promise<number> {
  await ensureTopics(kafka, [topic], createPartitions);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]!.partitions.length;
  } finally {
    await admin.disconnect();
  }
}

export async function startKeyedConsumer(
  kafka: Kafka,
  settings: KeyedConsumerSettings,
  handler: KeyedHandler,
  log: Logger,
): Promise<{ consumer: Consumer; stop(): Promise<void> }> {
  const consumer = kafka.consumer({
    groupId: `${settings.groupId}.keyed`,
    sessionTimeout: settings.sessionTimeoutMs,
    heartbeatInterval: Math.floor(settings.sessionTimeoutMs / 10),
  });
  let held = new Set<number>();
  // Batches wait for the state of the latest assignment: set synchronously when the group is joined.
  let ready: Promise<void> = Promise.resolve();
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const now = new Set(payload.memberAssignment[settings.topic] ?? []);
    const gained = new Set([...now].filter((p) => !held.has(p)));
    const lost = new Set([...held].filter((p) => !now.has(p)));
    held = now;
    ready = ready.then(() =>
      handler.assigned(gained, lost).catch((err: unknown) => {
        // Scoring goes on with the state it has: a store away must not stop detection of new events.
        log.error({ err: (err as Error).message, gained: [...gained] }, 'keyed: state not rebuilt for the partitions gained');
      }),
    );
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [settings.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        await heartbeatUntil(ready, heartbeat);
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        await handler.process(batch.messages.map((m) => m.value));
        const last = batch.messages[batch.messages.length - 1]!.offset;
        resolveOffset(last);
        try {
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
        } catch (err) {
          // A rebalance: the next owner reads these again and skips what its rebuild already saw.
          log.warn({ err: (err as Error).message }, 'keyed: offsets not committed (rebalance?)');
        }
        await heartbeat();
      },
    });
  } catch (err) {
    await consumer.disconnect();
    throw err;
  }
  return { consumer, stop: () => consumer.disconnect() };
}

/** Waits for `done`, heartbeating meanwhile: a rebuild longer than the session timeout must not cost the member its partitions. */
async function heartbeatUntil(done: Promise<void>, heartbeat: () => Promise<void>): Promise<void> {
  let waiting = true;
  void done.finally(() => (waiting = false));
  while (waiting) {
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 1000))]);
    if (waiting) await heartbeat().catch(() => undefined); // a rebalance under way: the batch is stale anyway
  }
}
