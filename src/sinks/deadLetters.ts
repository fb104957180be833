// Dead letters to a Kafka topic, besides the rejected_events table.
import type { Producer } from 'kafkajs';
import type { DeadLetterSink } from '../pipeline/pipeline.js';
import type { DeadLetter } from '../pipeline/record.js';

/** Dead letters to a topic: the exact raw bytes as the value, where they came from and why in headers. */
export class KafkaDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

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
