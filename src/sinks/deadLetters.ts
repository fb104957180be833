// Dead letters to a Kafka topic, besides the rejected_events table.
import type { Message, Producer } from 'kafkajs';
import type { DeadLetterSink } from '../pipeline/pipeline.js';
import type { DeadLetter } from '../pipeline/record.js';
import { produceRequests } from './requests.js';

/**
 * Bytes of dead letters per produce request at most. The broker limits a partition's record
 * batch (the topic's max.message.bytes, 1 MiB by default), and a batch of the pipeline can
 * dead-letter thousands of records at once: sent in one request they would be one oversized
 * record batch, refused, and the stream would stall on them. A letter larger than this goes alone.
 */
const DEAD_LETTER_REQUEST_BYTES = 512 * 1024;

/** Dead letters to a topic: the exact raw bytes as the value, where they came from and why in headers. */
export class KafkaDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  async send(letters: readonly DeadLetter[]): Promise<void> {
    // Keyed by their source record: where they land is not known here, so the whole request is bounded.
    for (const messages of produceRequests(letters.map(message), DEAD_LETTER_REQUEST_BYTES, () => 0)) {
      await this.producer.send({ topic: this.topic, acks: -1, messages });
    }
  }
}

function message(l: DeadLetter): Message {
  return {
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
  };
}

function compactHeaders(headers: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined));
}
