// The broker goes away mid-stream: `ztna run` consumes from a real broker of its own into chDB, the
// broker is stopped with SIGTERM (a controlled shutdown) and started again on the same ports and
// log directory, then the same with SIGKILL; the emitters produce on once it is back, with the
// producer they had. The consumer neither exits nor spins, /readyz names kafka while the broker is
// down, the consumer resumes by itself, and afterwards every event is stored exactly once and every
// malformed record dead-lettered once.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedRecord } from '../../src/simulate/traffic.js';
import { tempDir } from '../support/helpers.js';
import {
  committedOffsets,
  connectClients,
  deadLettersByRejectId,
  metricValue,
  offsetSum,
  produceInOrder,
  simulatedRecords,
  startConsumer,
  stopGracefully,
  uniqueTopics,
  waitCaughtUp,
  type TestClients,
} from '../support/kafkaConsumer.js';
import { startKafkaBroker, type KafkaBroker } from '../support/services/kafka.js';
import { readStore } from '../support/store.js';
import { expectedFromTruth, extraKeys, missingKeys, noKeys, storedEventKeys } from '../support/truth.js';
import { waitFor } from '../support/wait.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The log lines (kafkajs's, the service's) with this message in what the consumer wrote. */
const logged = (stderr: string, message: string) => stderr.split('\n').filter((line) => line.includes(`"msg":"${message}`)).length;

/**
 * Waits as `wait` does; when it times out, the error carries what the consumer logged since `from`
 * (its connection attempts left out): a stall that shows only on a loaded machine says why.
 */
async function explainingStall<T>(consumerLog: () => string, from: number, wait: () => Promise<T>): Promise<T> {
  try {
    return await wait();
  } catch (err) {
    const lines = consumerLog()
      .slice(from)
      .split('\n')
      .filter((line) => line && !line.includes('ECONNREFUSED'));
    throw new Error(`${(err as Error).message}; the consumer logged meanwhile (last 60 lines):\n${lines.slice(-60).join('\n')}`, {
      cause: err,
    });
  }
}

describe('broker restart: ztna run while its broker is stopped mid-stream with SIGTERM, then with SIGKILL', () => {
  let broker: KafkaBroker;
  let clients: TestClients;
  beforeAll(async () => {
    // A broker of its own: the suite's shared one serves the other test files meanwhile.
    broker = await startKafkaBroker();
    clients = await connectClients(broker.brokers);
  });
  afterAll(async () => {
    await clients?.disconnect();
    await broker?.stop();
  });

  it('neither exits nor spins, reports kafka not ready, resumes by itself, and stores every event once', async () => {
    const { admin, producer } = clients;
    const topics = uniqueTopics();
    const eventTopics = [topics.auth, topics.policy, topics.posture, topics.token];
    await admin.createTopics({ waitForLeaders: true, topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 1 })) });
    const dataDir = tempDir('restart-chdb');
    const group = `g-${topics.auth}`;
    // Batches far smaller than the stream, so that the broker stops with much of it unread.
    const consumer = startConsumer(broker.brokers, topics, dataDir, group, { ZTNA_BATCH_MAX_RECORDS: '500' });
    const http = await waitFor('the HTTP address', async () => /HTTP on (http:\/\/[\d.]+:\d+)/.exec(consumer.stdout())?.[1]);
    const committed = async () => offsetSum(await committedOffsets(admin, group, eventTopics, 60_000));
    const retries = () => metricValue(http, 'ztna_ingest_retries_total{door="kafka"}');

    const sent = new Map<string, SimulatedRecord[]>();
    const all: SimulatedRecord[] = [];
    let seed = 70;
    const produce = async (n: number) => {
      const records = simulatedRecords(n, seed++);
      all.push(...records);
      await produceInOrder(producer, sent, topics, records);
    };

    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      // Mid-stream: the consumer is committing, and more is there than it has committed.
      await produce(10_000);
      const mark = await committed();
      const logFrom = consumer.stderr().length;
      const retriesBefore = await retries();
      await waitFor('the consumer to commit', async () => (await committed()) > mark, 90_000, 20);
      expect(await committed()).toBeLessThan(all.length);
      await broker.kill(signal);
      const down = Date.now();

      const notReady = await waitFor('/readyz to say kafka is down', async () => {
        const res = await fetch(`${http}/readyz`);
        return res.status === 503 && ((await res.json()) as { down: Record<string, string> });
      });
      expect(notReady.down.kafka).toContain(`cannot reach broker ${broker.brokers}`);

      await broker.start();
      const back = Date.now();
      // The consumer neither exited nor spun: its clients reconnected with backoff (kafkajs: 200 ms
      // growing to 1 s, four clients: the producer and the source, keyed and control consumers), and a batch whose dead letters could not be sent was retried
      // with backoff (250 ms doubling). A consumer that spun would have logged thousands of attempts.
      expect(consumer.child.exitCode).toBeNull();
      const downS = (back - down) / 1000;
      const whileDown = consumer.stderr().slice(logFrom);
      const attempts = logged(whileDown, 'Connection error');
      const restarts = logged(whileDown, 'Restarting the consumer');
      const batchRetries = (await retries()) - retriesBefore;
      expect(attempts).toBeLessThanOrEqual(10 * downS);
      // Two consumers restart (the source's and the control topic's), each at most once per 2 s down.
      expect(restarts).toBeLessThanOrEqual(2 * (downS / 2));
      expect(batchRetries).toBeLessThanOrEqual(10);

      // It resumes by itself, with what was left unread; the emitters produce on meanwhile.
      const atBack = await committed();
      const producing = produce(4_000);
      await explainingStall(consumer.stderr, logFrom, () =>
        waitFor('the consumer to commit again', async () => (await committed()) > atBack, 120_000, 100),
      );
      const resumedAfterMs = Date.now() - back;
      await producing;
      await waitFor('/readyz to be ready again', async () => (await fetch(`${http}/readyz`)).status === 200, 30_000);
      console.log(
        `broker restart (${signal}): ${downS.toFixed(1)} s down (until the broker answered again), ${attempts} connection attempts, ` +
          `${restarts} consumer restarts, ${batchRetries} batch retries meanwhile; ` +
          `the consumer committed again ${(resumedAfterMs / 1000).toFixed(1)} s after the broker was back`,
      );
    }

    await waitCaughtUp(admin, group, eventTopics, consumer, 60_000);
    const stdout = await stopGracefully(consumer);
    expect(Number(/stopped cleanly · (\d+) read/.exec(stdout)?.[1])).toBe(all.length);

    // Every event once, nothing besides; every malformed record once in rejected_events and, by
    // reject id, once on the dead-letter topic, its exact bytes.
    const truth = expectedFromTruth(all);
    const invalid = truth.invalid.map(sha256).sort();
    const { stored, rejected } = await readStore(dataDir, async (store) => ({
      stored: await storedEventKeys(store),
      rejected: await store.query<{ raw_sha256: string }>('SELECT raw_sha256 FROM rejected_events FINAL'),
    }));
    expect(missingKeys(stored, truth.events)).toEqual(noKeys());
    expect(extraKeys(stored, truth.events)).toEqual(noKeys());
    expect(rejected.map((r) => r.raw_sha256).sort()).toEqual(invalid);
    const letters = await deadLettersByRejectId(clients.kafka, topics.deadletter, invalid.length);
    expect([...letters.values()].map(sha256).sort()).toEqual(invalid);
  }, 240_000);
});
