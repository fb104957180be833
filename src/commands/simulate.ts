// `ztna simulate`: realistic traffic as NDJSON on stdout or onto the Kafka topics.
import type { Writable } from 'node:stream';
import type { Producer } from 'kafkajs';
import { TrafficSimulator, type SimulatedRecord, type TrafficOptions } from '../simulate/traffic.js';
import { LineWriter } from './output.js';

export interface SimulateOptions extends TrafficOptions {
  /** Stop after this many records (undefined: run until stopped). */
  events?: number | undefined;
  /** Records per wall-clock second; undefined: as fast as possible. */
  rate?: number | undefined;
  /** NDJSON of each record's ground truth, line for line with the output. */
  truthFile?: string | undefined;
  /** NDJSON of each injected scenario's ground truth. */
  labelsFile?: string | undefined;
}

/** Where simulated records go: stdout lines or Kafka messages. */
export interface RecordSink {
  write(batch: readonly SimulatedRecord[]): Promise<void>;
  close(): Promise<void>;
}

export function stdoutSink(out: Writable): RecordSink {
  const writer = new LineWriter(out);
  return {
    write: async (batch) => {
      for (const r of batch) await writer.write(r.line);
    },
    close: () => writer.close(),
  };
}

export function kafkaSink(producer: Producer, topics: Record<SimulatedRecord['topicKind'], string>): RecordSink {
  return {
    write: async (batch) => {
      const byTopic = new Map<string, Array<{ key: string; value: string }>>();
      for (const r of batch) {
        const topic = topics[r.topicKind];
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push({ key: r.key, value: r.line });
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    },
    close: () => producer.disconnect(),
  };
}

/** Runs the simulator into a sink; resolves with the number of records sent. */
export async function simulate(options: SimulateOptions, sink: RecordSink, signal?: AbortSignal): Promise<number> {
  const sim = new TrafficSimulator({ ...options, clock: options.rate ? 'wall' : 'simulated' });
  const truth = options.truthFile ? await LineWriter.toFile(options.truthFile) : undefined;
  const limit = options.events ?? Infinity;
  const tickMs = 100;
  const batchSize = options.rate ? Math.max(1, Math.round((options.rate * tickMs) / 1000)) : 2000;
  let sent = 0;
  const started = Date.now();
  while (sent < limit && !signal?.aborted) {
    const batch: SimulatedRecord[] = [];
    for (let i = 0; i < batchSize && sent + batch.length < limit; i++) batch.push(sim.next());
    await sink.write(batch);
    if (truth) for (const r of batch) await truth.write(JSON.stringify({ type: r.type, shape: r.shape ?? null, scenario: r.scenario ?? null, truth: r.truth ?? null }));
    sent += batch.length;
    if (options.rate) {
      const due = started + (sent / options.rate) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }
  await sink.close();
  await truth?.close();
  if (options.labelsFile) {
    const labels = await LineWriter.toFile(options.labelsFile);
    for (const label of sim.labels) await labels.write(JSON.stringify(label));
    await labels.close();
  }
  return sent;
}
