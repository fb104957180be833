// `ztna simulate`: realistic traffic as NDJSON on stdout or onto the Kafka topics.
import type { Writable } from 'node:stream';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { Producer } from 'kafkajs';
import { kafkaClientSettings, kafkaTopics, loadConfig } from '../config.js';
import { ensureTopics, kafkaClient } from '../kafka/client.js';
import { createLogger } from '../log.js';
import { parseScenario, type ScenarioWindow } from '../simulate/scenarios.js';
import { TrafficSimulator, type SimulatedRecord, type TrafficOptions } from '../simulate/traffic.js';
import { LineWriter } from './output.js';
import { UsageError } from './usage.js';

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
    if (truth)
      for (const r of batch)
        await truth.write(JSON.stringify({ type: r.type, shape: r.shape ?? null, scenario: r.scenario ?? null, truth: r.truth ?? null }));
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

type Destination = 'stdout' | 'kafka';

const ARGS = {
  seed: { type: 'string', default: '1' },
  start: { type: 'string' },
  events: { type: 'string' },
  rate: { type: 'string' },
  to: { type: 'string', default: 'stdout' },
  'invalid-share': { type: 'string', default: '0' },
  'not-access-share': { type: 'string', default: '0' },
  truth: { type: 'string' },
  scenario: { type: 'string', multiple: true, default: [] },
  labels: { type: 'string' },
} satisfies ParseArgsOptionsConfig;

/** `ztna simulate [options]` (see the CLI's usage): the arguments checked first, then the run; the count sent on stderr. */
export async function simulateCli(args: string[]): Promise<number> {
  const { to, options } = parseSimulateArgs(args);
  const sink = to === 'kafka' ? await openKafkaSink() : stdoutSink(process.stdout);
  const abort = new AbortController();
  process.once('SIGTERM', () => abort.abort());
  process.once('SIGINT', () => abort.abort());
  const sent = await simulate(options, sink, abort.signal);
  process.stderr.write(`${JSON.stringify({ sent })}\n`);
  return 0;
}

/** The command line → where to send and what to simulate; a UsageError names the first bad option. */
export function parseSimulateArgs(args: string[], env: NodeJS.ProcessEnv = process.env): { to: Destination; options: SimulateOptions } {
  const { values } = parseArgs({ args, options: ARGS });
  const start = startTime(values.start);
  const events = numberOption('events', values.events, 0, Number.MAX_SAFE_INTEGER);
  const rate = numberOption('rate', values.rate, 1, 1_000_000);
  if (events === undefined && rate === undefined) throw new UsageError('give --events N, --rate R, or both');
  const to = destination(values.to);
  const scenarios = scenarioWindows(values.scenario, start);
  const options: SimulateOptions = {
    seed: numberOption('seed', values.seed, 0, 2 ** 31) ?? 1,
    start,
    events,
    rate,
    invalidShare: numberOption('invalid-share', values['invalid-share'], 0, 1),
    notAccessShare: numberOption('not-access-share', values['not-access-share'], 0, 1),
    truthFile: values.truth,
    labelsFile: values.labels,
    scenarios,
    // The tenant the pipeline gives records that carry none, as `ztna run` reads it: the truth and labels name it.
    ...(env.ZTNA_DEFAULT_TENANT ? { defaultTenant: env.ZTNA_DEFAULT_TENANT } : {}),
  };
  return { to, options };
}

/** --start, or today 00:00 UTC. */
function startTime(value: string | undefined): number {
  const ms = value === undefined ? Date.parse(new Date().toISOString().slice(0, 10)) : Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`--start must be an ISO 8601 time, got ${value}`);
  return ms;
}

function numberOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}, got ${value}`);
  return n;
}

function destination(value: string): Destination {
  if (value !== 'stdout' && value !== 'kafka') throw new UsageError(`--to must be stdout or kafka, got ${value}`);
  return value;
}

/** Each --scenario; one without a window takes the default slot of its position. */
function scenarioWindows(items: string[], start: number): ScenarioWindow[] {
  try {
    return items.map((item, i) => parseScenario(item, start, i));
  } catch (err) {
    throw new UsageError(`--scenario: ${(err as Error).message}`);
  }
}

/** A producer onto the ZTNA_TOPIC_* topics of KAFKA_BROKERS, the topics created first if configured so. */
async function openKafkaSink(): Promise<RecordSink> {
  const config = loadConfig();
  if (!config.KAFKA_BROKERS) throw new UsageError('--to kafka needs KAFKA_BROKERS');
  const kafka = kafkaClient(
    kafkaClientSettings(config, config.KAFKA_BROKERS, `${config.KAFKA_CLIENT_ID}-simulator`),
    createLogger(config.LOG_LEVEL),
  );
  const topics = kafkaTopics(config);
  await ensureTopics(kafka, Object.values(topics), config.ZTNA_KAFKA_CREATE_PARTITIONS);
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  return kafkaSink(producer, topics);
}
