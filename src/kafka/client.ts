// The kafkajs client built from settings, logging through pino, and topic creation: shared by the
// Kafka source, the sinks that produce (dead letters, anomalies) and `ztna simulate --to kafka`.
import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaClientSettings {
  brokers: string[];
  clientId: string;
}

export function kafkaClient(settings: KafkaClientSettings, log: Logger): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log: entry }) => {
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
