// The keyed topic's consumer (`ztna.keyed`, Kafka Streams' repartition topic): the stateful
// processors read it in a consumer group of their own, so each replica's state covers exactly
// the keyed partitions it holds. On each assignment the handler is told what was gained and lost
// (to rebuild and drop state) before any batch of the new assignment is handed to it.
import type { Consumer, Kafka } from 'kafkajs';
import type { Histogram } from 'prom-client';
import type { Logger } from 'pino';
import { ensureTopics, kafkaSetupFailure } from '../kafka/client.js';
import { restartAfterCrash } from '../pipeline/restartAfterCrash.js';

export interface KeyedHandler {
  /** The partitions gained and lost since the last assignment; batches wait until this resolves. */
  assigned(gained: ReadonlySet<number>, lost: ReadonlySet<number>): Promise<void>;
  /**
   * The messages of one partition's batch, in order; their offsets are committed once this
   * resolves. `stillHeld` says whether this member still holds the partition (false once it was
   * evicted from the group), for what must not be published by two members.
   */
  process(values: ReadonlyArray<Buffer | null>, stillHeld: () => Promise<boolean>): Promise<void>;
}

export interface KeyedConsumerSettings {
  topic: string;
  /** The service's group: the keyed consumer's is `<group>.keyed`. */
  groupId: string;
  sessionTimeoutMs: number;
  /** How far back the state of a gained partition is rebuilt from. */
  rebuildWindowMs: number;
  /** Each message's time from produced to scored. */
  hopSeconds?: Histogram;
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
): Promise<{ consumer: Consumer; unready(): string | undefined; stop(): Promise<void> }> {
  const consumer = kafka.consumer({
    groupId: `${settings.groupId}.keyed`,
    sessionTimeout: settings.sessionTimeoutMs,
    heartbeatInterval: Math.floor(settings.sessionTimeoutMs / 10),
  });
  let held = new Set<number>();
  /** Evicted (its heartbeats late): what it held may have moved and come back, so its next assignment drops and rebuilds everything. */
  let evicted = false;
  // Batches wait for the state of the latest assignment: set synchronously when the group is joined.
  let ready: Promise<void> = Promise.resolve();
  const state = new KeyedConsumerState(settings.rebuildWindowMs);
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const now = new Set(payload.memberAssignment[settings.topic] ?? []);
    const gained = evicted ? now : new Set([...now].filter((p) => !held.has(p)));
    const lost = evicted ? held : new Set([...held].filter((p) => !now.has(p)));
    evicted = false;
    held = now;
    state.joined(now);
    ready = ready.then(async () => {
      state.rebuilding(gained);
      try {
        await handler.assigned(gained, lost);
        state.rebuilt();
      } catch (err) {
        // Scoring goes on with the state it has: a store away must not stop detection of new events.
        log.error({ err: (err as Error).message, gained: [...gained] }, 'keyed: state not rebuilt for the partitions gained');
        state.notRebuilt(gained);
      }
    });
  });
  consumer.on(consumer.events.REBALANCING, () => state.rebalancing());
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) state.crashed();
  });
  const run = () =>
    consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        await heartbeatUntil(ready, heartbeat);
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        // A heartbeat the coordinator answers as to a member it no longer counts: evicted.
        const beat = async (): Promise<boolean> => {
          try {
            await heartbeat();
            return true;
          } catch (err) {
            // A rebalance under way keeps the partitions with this member until it rejoins: only a lost membership gives them away.
            if (!MEMBERSHIP_LOST.has((err as { type?: string }).type ?? '')) return true;
            evicted = true;
            return false;
          }
        };
        const stillHeld = async () => {
          if (isStale()) evicted = true;
          return !evicted && (await beat());
        };
        // Publishing what it raised waits on the store, busy with the source's inserts: the member must not time out meanwhile.
        await heartbeatUntil(
          handler.process(
            batch.messages.map((m) => m.value),
            stillHeld,
          ),
          beat,
        );
        const scored = Date.now();
        for (const m of batch.messages) settings.hopSeconds?.observe((scored - Number(m.timestamp)) / 1000);
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
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [settings.topic], fromBeginning: true });
    await run();
  } catch (err) {
    await consumer.disconnect();
    throw err;
  }
  const restarts = restartAfterCrash(consumer, {
    what: 'keyed consumer',
    log,
    run,
    fatal: kafkaSetupFailure,
    onFatal: (reason) => state.stopped(reason),
  });
  return {
    consumer,
    unready: () => state.unready(),
    stop: async () => {
      await restarts.stop();
      await consumer.disconnect();
    },
  };
}

/** What keeps the keyed consumer from scoring its partitions with their whole state, in words for /readyz. */
export class KeyedConsumerState {
  private reason: string | undefined = 'joining the keyed group';
  /** Partitions whose state was not rebuilt → until when they are scored without the whole window. */
  private readonly cold = new Map<number, number>();

  /** `windowMs`: the rebuild's window, after which a partition that was not rebuilt has its whole state again. */
  constructor(private readonly windowMs: number) {}

  joined(held: ReadonlySet<number>): void {
    this.reason = undefined;
    for (const p of this.cold.keys()) if (!held.has(p)) this.cold.delete(p);
  }

  rebalancing(): void {
    this.reason = 'the keyed group is rebalancing';
  }

  rebuilding(gained: ReadonlySet<number>): void {
    if (gained.size > 0) this.reason = `rebuilding the scorers' state of keyed partitions ${[...gained].join(', ')} from the store`;
  }

  rebuilt(): void {
    this.reason = undefined;
  }

  notRebuilt(gained: ReadonlySet<number>): void {
    this.reason = undefined;
    for (const p of gained) this.cold.set(p, Date.now() + this.windowMs);
  }

  /** kafkajs stopped the consumer after an error it does not retry: it is being started again (src/pipeline/restartAfterCrash.ts). */
  crashed(): void {
    this.reason = 'the keyed consumer is starting again after an error (the service log has it)';
  }

  /** Stopped for a reason waiting cannot fix (refused credentials or access, TLS): not started again. */
  stopped(reason: string): void {
    this.reason = `the keyed consumer stopped: ${reason}`;
  }

  unready(): string | undefined {
    if (this.reason) return this.reason;
    for (const [p, until] of this.cold) if (until <= Date.now()) this.cold.delete(p);
    if (this.cold.size === 0) return undefined;
    // Detection goes on meanwhile: a key whose earlier events were not replayed may be missed.
    return `the scorers' state of keyed partitions ${[...this.cold.keys()].join(', ')} was not rebuilt from the store (the service log says why); whole again once their rebuild window has passed`;
  }
}

/** The coordinator's answers to a member it no longer counts in the group. */
const MEMBERSHIP_LOST = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'FENCED_INSTANCE_ID']);

/** Waits for `done`, heartbeating meanwhile: work longer than the session timeout must not cost the member its partitions. */
async function heartbeatUntil(done: Promise<void>, heartbeat: () => Promise<unknown>): Promise<void> {
  let waiting = true;
  const settled = done.finally(() => (waiting = false));
  while (waiting) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settled.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
    clearTimeout(timer);
    if (waiting) await heartbeat().catch(() => undefined); // a rebalance under way: the batch is stale anyway
  }
  await settled; // its failure is the caller's
}
