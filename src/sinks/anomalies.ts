// Where anomalies go: the anomalies table, and the ztna.anomalies topic.
import type { Producer } from 'kafkajs';
import type { Anomaly } from '../detect/anomaly.js';
import type { AnomalySink } from '../detect/processor.js';
import { anomalyRow, ANOMALIES_TABLE, type Store } from '../store/index.js';

export class StoreAnomalySink implements AnomalySink {
  constructor(private readonly store: Store) {}

  async publish(anomalies: readonly Anomaly[]): Promise<void> {
    const now = new Date().toISOString();
    await this.store.insert(
      ANOMALIES_TABLE,
      anomalies.map((a) => anomalyRow({ ...a }, now)),
    );
  }
}

export class KafkaAnomalySink implements AnomalySink {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  async publish(anomalies: readonly Anomaly[]): Promise<void> {
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      // Keyed by its id: a consumer (or a compacted topic) tells a repeat after a redelivery by the key.
      messages: anomalies.map((a) => ({ key: a.anomaly_id, value: JSON.stringify(a) })),
    });
  }
}
