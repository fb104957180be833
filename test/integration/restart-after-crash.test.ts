// A consumer that kafkajs leaves stopped, on the real broker. kafkajs starts a consumer again only
// after a retriable error; a broker shutting down while the group rejoins ends one with a
// non-retriable "Failed to find group coordinator" (the broker-restart test met it in CI). Here
// the same kind of crash comes from the handler, which throws a non-retriable error once:
// `restartAfterCrash` starts the consumer again and every record is read; a crash waiting cannot
// fix (an authorization refused) is reported and not retried.
import { randomUUID } from 'node:crypto';
import { KafkaJSNonRetriableError } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { kafkaSetupFailure } from '../../src/kafka/client.js';
import { restartAfterCrash } from '../../src/pipeline/restartAfterCrash.js';
import { startKeyedConsumer } from '../../src/sources/keyed.js';
import { connectClients, type TestClients } from '../support/kafkaConsumer.js';
import { waitFor } from '../support/wait.js';

const brokers = inject('kafkaBrokers');
const log = createLogger('silent');

describe('restartAfterCrash', () => {
  let clients: TestClients;
  beforeAll(async () => {
    clients = await connectClients(brokers);
  });
  afterAll(async () => clients?.disconnect());

  /** A consumer of a new topic of 20 records whose handler throws `failWith` at the 5th record, once. */
  async function crashingConsumer(failWith: Error) {
    const topic = `restart-${randomUUID()}`;
    await clients.admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    await clients.producer.send({ topic, acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ value: String(i) })) });
    const consumer = clients.kafka.consumer({ groupId: `g-${topic}`, sessionTimeout: 6000, heartbeatInterval: 600 });
    const read = new Set<string>();
    let thrown = false;
    const run = () =>
      consumer.run({
        eachMessage: async ({ message }) => {
          if (message.value!.toString() === '4' && !thrown) {
            thrown = true;
            throw failWith;
          }
          read.add(message.value!.toString());
        },
      });
    const fatal: string[] = [];
    const crashes: boolean[] = [];
    consumer.on(consumer.events.CRASH, ({ payload }) => crashes.push(payload.restart));
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await run();
    const restarts = restartAfterCrash(consumer, {
      what: 'test',
      log,
      run,
      fatal: kafkaSetupFailure,
      onFatal: (reason) => fatal.push(reason),
    });
    return { consumer, read, fatal, crashes, restarts };
  }

  it('starts again a consumer kafkajs left stopped after a non-retriable error, and it reads every record', async () => {
    const { consumer, read, fatal, crashes, restarts } = await crashingConsumer(
      new KafkaJSNonRetriableError('Failed to find group coordinator'),
    );
    try {
      await waitFor('every record read after the restart', async () => read.size === 20, 60_000);
      // kafkajs itself would not have restarted it.
      expect(crashes[0]).toBe(false);
      expect(fatal).toEqual([]);
    } finally {
      await restarts.stop();
      await consumer.disconnect();
    }
  }, 90_000);

  it('reports a crash waiting cannot fix and leaves the consumer stopped', async () => {
    // As kafkajs reports a group the user may not read: a protocol error of type GROUP_AUTHORIZATION_FAILED.
    const refused = Object.assign(new KafkaJSNonRetriableError('Not authorized to access group'), { type: 'GROUP_AUTHORIZATION_FAILED' });
    const { consumer, read, fatal, crashes, restarts } = await crashingConsumer(refused);
    try {
      await waitFor('the crash reported', async () => fatal.length > 0, 60_000);
      expect(fatal[0]).toContain('the brokers refused access');
      expect(crashes).toEqual([false]);
      // Not started again: what it read before the crash is all it read.
      await new Promise((r) => setTimeout(r, 3000));
      expect(read.size).toBeLessThan(20);
    } finally {
      await restarts.stop();
      await consumer.disconnect();
    }
  }, 90_000);

  it("starts the keyed topic's consumer again too, and it is ready once it rejoined", async () => {
    const topic = `keyed-restart-${randomUUID()}`;
    await clients.admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
    await clients.producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: 20 }, (_, i) => ({ key: String(i), value: String(i) })),
    });
    const read = new Set<string>();
    let thrown = false;
    const keyed = await startKeyedConsumer(
      clients.kafka,
      { topic, groupId: `g-${topic}`, sessionTimeoutMs: 6000, rebuildWindowMs: 60_000 },
      {
        assigned: async () => undefined,
        process: async (values) => {
          if (!thrown) {
            thrown = true;
            throw new KafkaJSNonRetriableError('Failed to find group coordinator');
          }
          for (const v of values) read.add(v!.toString());
        },
      },
      log,
    );
    try {
      await waitFor('every keyed record read after the restart', async () => read.size === 20, 60_000);
      expect(thrown).toBe(true);
      expect(keyed.unready()).toBeUndefined();
    } finally {
      await keyed.stop();
    }
  }, 90_000);
});
