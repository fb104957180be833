// What the Kafka benchmarks produce: `events` simulated events (seed 1, from a fixed start) on the
// four source topics, through `ztna simulate --to kafka`, into topics created beforehand.
import { spawnSync } from 'node:child_process';
import { CLI } from '../../test/support/helpers.js';
import type { TestTopics } from '../../test/support/kafkaConsumer.js';

export function produceSimulated(brokers: string, topics: TestTopics, events: number): void {
  const produced = spawnSync(
    process.execPath,
    [CLI, 'simulate', '--to', 'kafka', '--events', String(events), '--seed', '1', '--start', '2026-11-20T00:00:00Z'],
    {
      env: {
        ...process.env,
        KAFKA_BROKERS: brokers,
        ZTNA_TOPIC_AUTH: topics.auth,
        ZTNA_TOPIC_POLICY: topics.policy,
        ZTNA_TOPIC_POSTURE: topics.posture,
        ZTNA_TOPIC_TOKEN: topics.token,
        ZTNA_KAFKA_CREATE_PARTITIONS: '0',
        LOG_LEVEL: 'warn',
      },
      encoding: 'utf8',
    },
  );
  if (produced.status !== 0) throw new Error(`simulate failed: ${produced.stderr}`);
}
