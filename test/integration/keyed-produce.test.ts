// The keyed produce on the real broker (issue 14's stall): a pipeline batch's keyed messages
// crowd a few partitions (an emitter's completeness route, a tenant's denials), past the
// broker's default max.message.bytes (1 MiB) in one partition. Sent as one request per 5,000
// messages, that partition's record batch was refused at every retry and the source never
// committed again. Every message must land, on the partition the rebuild computes for its key.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { normalizeRecord, type CanonicalEvent } from '../../src/events/index.js';
import { encodeKeyed, keyedMessages, partitionOf } from '../../src/detect/keyed.js';
import { KeyedRepartition } from '../../src/sinks/keyed.js';
import { TrafficSimulator } from '../../src/simulate/traffic.js';
import { normalizeOptions } from '../support/helpers.js';
import { connectClients, type TestClients } from '../support/kafkaConsumer.js';

const brokers = inject('kafkaBrokers');
const PARTITIONS = 4;

describe('keyed produce', () => {
  const topic = `keyed-produce-${randomUUID().slice(0, 8)}.keyed`;
  let clients: TestClients;
  // Token events only, as one fetch of the token topic hands them to the pipeline.
  const sim = new TrafficSimulator({ seed: 7, start: Date.parse('2026-11-20T09:00:00Z') });
  const events: CanonicalEvent[] = [];
  while (events.length < 6000) {
    const outcome = normalizeRecord(sim.next().line, normalizeOptions());
    if (outcome.status === 'normalized' && outcome.event.kind === 'token') events.push(outcome.event);
  }
  const expected = new Array<number>(PARTITIONS).fill(0);
  const bytes = new Array<number>(PARTITIONS).fill(0);
  for (const { key, message } of events.flatMap(keyedMessages)) {
    expected[partitionOf(key, PARTITIONS)]!++;
    bytes[partitionOf(key, PARTITIONS)]! += Buffer.byteLength(encodeKeyed(message));
  }

  beforeAll(async () => {
    clients = await connectClients(brokers);
    await clients.admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS }] });
  });
  afterAll(async () => {
    await clients?.disconnect();
  });

  it('puts one batch past 1 MiB per partition on the topic, each message on its key’s partition', async () => {
    expect(Math.max(...bytes)).toBeGreaterThan(1024 * 1024); // the batch the broker refused in one request
    const repartition = new KeyedRepartition(clients.kafka, topic);
    await repartition.connect(PARTITIONS);
    try {
      await repartition.process(events);
    } finally {
      await repartition.disconnect();
    }
    const offsets = await clients.admin.fetchTopicOffsets(topic);
    const landed = offsets.sort((a, b) => a.partition - b.partition).map((p) => Number(p.high));
    expect(landed).toEqual(expected);
  });
});
