// `ztna run` (`npm start`): the service. Embedded default: the simulator feeds the
// pipeline into chDB under ./data. KAFKA_BROKERS → consume Kafka; CLICKHOUSE_URL → that server.
import type { Logger } from 'pino';
import { kafkaTopics, requireSharedHmacKey, scorerOptions, type Config } from '../config.js';
import { resolveHmacKey } from '../hmacKey.js';
import { IngestPipeline, type IngestCounts } from '../ingest/pipeline.js';
import { KafkaDeadLetterSink, kafkaClient, startKafkaSource } from '../ingest/kafka.js';
import { fileURLToPath } from 'node:url';
import { TrafficSimulator } from '../simulate/traffic.js';
import { parseScenarios } from '../simulate/scenarios.js';
import { migrate, openStore, type Store } from '../store/index.js';
import type { RawRecord } from '../ingest/record.js';
import { buildServer } from '../api/server.js';
import { AccessRecorder } from '../api/accessLog.js';
import { loadApiKeys } from '../apiKeys.js';
import { createMetrics } from '../streams/metrics.js';
import { SliProcessor } from '../streams/sliProcessor.js';
import { AnomalyProcessor, createScorers, type AnomalySink } from '../streams/anomalyProcessor.js';
import { KafkaAnomalySink, StoreAnomalySink } from '../ingest/anomalySinks.js';
import { loadSloSpec } from '../slo/spec.js';

/** The SLO spec shipped with the package, used unless ZTNA_SLO_FILE names another. */
export const DEFAULT_SLO_FILE = fileURLToPath(new URL('../../slos.yaml', import.meta.url));

export interface Service {
  store: Store;
  pipeline: IngestPipeline;
  /** Where the HTTP server listens. */
  address: string;
  /** Stops taking input, finishes and commits the batch in flight, closes the store. */
  stop(): Promise<void>;
}

export async function startService(config: Config, log: Logger, print: (line: string) => void): Promise<Service> {
  requireSharedHmacKey(config);
  const store = openStore({
    dataDir: config.ZTNA_DATA_DIR,
    clickhouse: config.CLICKHOUSE_URL
      ? { url: config.CLICKHOUSE_URL, username: config.CLICKHOUSE_USER, password: config.CLICKHOUSE_PASSWORD, database: config.CLICKHOUSE_DATABASE }
      : undefined,
  });
  const { applied } = await migrate(store, { retentionDays: config.ZTNA_RETENTION_DAYS });
  if (applied.length > 0) log.info({ applied }, 'migrations applied');
  const normalize = {
    source: 'auto' as const,
    maxBytes: config.ZTNA_MAX_EVENT_BYTES,
    hmacKey: resolveHmacKey(config.ZTNA_HMAC_KEY, config.ZTNA_DATA_DIR),
    defaultTenant: config.ZTNA_DEFAULT_TENANT,
  };
  print(`ztna: store ${store.engine} at ${store.location}`);
  const spec = loadSloSpec(config.ZTNA_SLO_FILE ?? DEFAULT_SLO_FILE);
  const metrics = createMetrics({ latencyThresholdsSeconds: spec.slos.flatMap((s) => (s.latency_threshold_ms ? [s.latency_threshold_ms / 1000] : [])) });
  const anomalySinks: AnomalySink[] = [new StoreAnomalySink(store)];
  const processors = [
    new SliProcessor(metrics, {
      labelCap: config.ZTNA_METRIC_LABEL_CAP,
      otherLabel: config.ZTNA_METRIC_OTHER_LABEL,
      reorderWindowMs: config.ZTNA_COMPLETENESS_WINDOW_SECONDS * 1000,
      restartMaxSeq: 10,
    }),
    new AnomalyProcessor(createScorers(scorerOptions(config)), anomalySinks, metrics),
  ];

  let stopSource: () => Promise<void>;
  let pipeline: IngestPipeline;
  let readiness: Record<string, () => Promise<void>> = {};
  if (config.KAFKA_BROKERS) {
    const kafka = kafkaClient({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID }, log);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    anomalySinks.push(new KafkaAnomalySink(producer, config.ZTNA_TOPIC_ANOMALIES));
    pipeline = new IngestPipeline(store, normalize, { deadLetterSinks: [new KafkaDeadLetterSink(producer, config.ZTNA_TOPIC_DEADLETTER)], processors, metrics });
    const topics = Object.values(kafkaTopics(config));
    const source = await startKafkaSource(
      kafka,
      {
        brokers: config.KAFKA_BROKERS,
        clientId: config.KAFKA_CLIENT_ID,
        groupId: config.ZTNA_KAFKA_GROUP,
        topics,
        deadLetterTopic: config.ZTNA_TOPIC_DEADLETTER,
        outputTopics: [config.ZTNA_TOPIC_ANOMALIES],
        createTopicsPartitions: config.ZTNA_KAFKA_CREATE_PARTITIONS,
        sessionTimeoutMs: config.ZTNA_KAFKA_SESSION_TIMEOUT_MS,
      },
      pipeline,
      log,
      metrics,
    );
    readiness = {
      kafka: async () => {
        const admin = kafka.admin();
        await admin.connect();
        try {
          await admin.describeCluster();
        } finally {
          await admin.disconnect();
        }
      },
    };
    print(`ztna: consuming ${topics.join(', ')} from ${config.KAFKA_BROKERS.join(',')} as group ${config.ZTNA_KAFKA_GROUP}`);
    stopSource = async () => {
      await source.stop();
      await producer.disconnect();
    };
  } else {
    pipeline = new IngestPipeline(store, normalize, { processors, metrics });
    stopSource = runEmbeddedSimulator(pipeline, config, log, print);
    print(`ztna: no KAFKA_BROKERS set: the built-in simulator sends ${config.ZTNA_SIM_RATE} events/s (set ZTNA_SIM_RATE to change)`);
  }

  const access = new AccessRecorder((records) => pipeline.processBatch(records), config.ZTNA_DEFAULT_TENANT, (err) => log.error({ err }, 'recording API access failed'));
  const server = buildServer({
    store,
    registry: metrics.registry,
    spec,
    readiness,
    apiKeys: loadApiKeys(config, print),
    access,
    ingest: pipeline,
    bodyLimit: config.ZTNA_HTTP_BODY_LIMIT_BYTES,
  });
  const address = await server.listen({ host: config.ZTNA_HTTP_HOST, port: config.ZTNA_HTTP_PORT });
  print(`ztna: HTTP on ${address}: /metrics, /healthz, /readyz; with an API key: /api/v1/slis, /api/v1/anomalies, POST /api/v1/events`);

  const stopProgress = reportProgress(pipeline.counts, config.ZTNA_PROGRESS_SECONDS, print);
  let stopping: Promise<void> | undefined;
  return {
    store,
    pipeline,
    address,
    stop: () =>
      (stopping ??= (async () => {
        await server.close();
        await access.close();
        await stopSource();
        stopProgress();
        await store.close();
      })()),
  };
}

/** The simulator as a door: batches of records every 200 ms at the configured rate. */
function runEmbeddedSimulator(pipeline: IngestPipeline, config: Config, log: Logger, print: (line: string) => void): () => Promise<void> {
  const start = Date.now();
  const scenarios = parseScenarios(config.ZTNA_SIM_SCENARIOS, start);
  const sim = new TrafficSimulator({
    seed: config.ZTNA_SIM_SEED,
    start,
    clock: 'wall',
    invalidShare: 0.001,
    notAccessShare: 0.002,
    scenarios,
  });
  for (const s of scenarios) print(`ztna: simulating ${s.name} from ${new Date(s.start).toISOString()} to ${new Date(s.end).toISOString()}`);
  const tickMs = 200;
  let running = true;
  let seq = 0;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      const perTick = Math.max(1, Math.round((config.ZTNA_SIM_RATE * tickMs) / 1000));
      const records: RawRecord[] = [];
      for (let i = 0; i < perTick; i++) {
        const r = sim.next();
        records.push({ value: Buffer.from(r.line), origin: { door: 'simulator', topic: r.topicKind, offset: String(seq++) } });
      }
      try {
        await pipeline.processBatch(records);
      } catch (err) {
        log.error({ err }, 'batch failed; retrying on the next tick');
      }
      await new Promise((r) => setTimeout(r, Math.max(0, tickMs - (Date.now() - started))));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

function reportProgress(counts: IngestCounts, seconds: number, print: (line: string) => void): () => void {
  if (seconds <= 0) return () => {};
  let last = counts.read;
  const timer = setInterval(() => {
    const rate = (counts.read - last) / seconds;
    last = counts.read;
    const stored = counts.storedByKind;
    const total = stored.auth + stored.policy + stored.posture + stored.token;
    print(
      `ztna: ${rate.toFixed(0)} events/s · ${total} rows stored (auth ${stored.auth}, policy ${stored.policy}, posture ${stored.posture}, token ${stored.token}) · ${counts.rejected} rejected · ${counts.skipped} skipped`,
    );
  }, seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
