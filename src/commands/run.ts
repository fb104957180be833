// `ztna run` (`npm start`): the service. Embedded default: the simulator feeds the
// pipeline into chDB under ./data. KAFKA_BROKERS → consume Kafka; CLICKHOUSE_URL → that server.
// The HTTP server starts first; the store is waited out; consuming starts once it is migrated.
import type { Logger } from 'pino';
import {
  batchingSettings,
  httpsOptions,
  kafkaClientSettings,
  kafkaTopics,
  migrateOptions,
  oidcSettings,
  requireSharedHmacKey,
  scorerOptions,
  storeOptions,
  type Config,
} from '../config.js';
import { resolveHmacKey } from '../hmacKey.js';
import { IngestPipeline, type IngestCounts } from '../pipeline/pipeline.js';
import { preparePoolSize } from '../pipeline/preparePool.js';
import { startControlConsumer } from '../pipeline/control.js';
import type { Kafka, Producer } from 'kafkajs';
import { kafkaClient, kafkaSetupFailure, tlsOptions } from '../kafka/client.js';
import type { ConnectionOptions } from 'node:tls';
import { KafkaDeadLetterSink } from '../sinks/deadLetters.js';
import { startKafkaSource, type KafkaSourceHandle } from '../sources/kafka.js';
import { fileURLToPath } from 'node:url';
import { runEmbeddedSimulator } from '../sources/simulator.js';
import { migrate, openStore, StoreError, type Store } from '../store/index.js';
import type { MigrateOptions } from '../store/migrate.js';
import { startSealer } from '../store/sealMinutes.js';
import { buildServer } from '../api/server.js';
import { brokersCheck, ReadinessMonitor, stateCheck, storeCheck, storeFailure, Unready, type DependencyCheck } from '../api/readiness.js';
import { pauseUnlessStopped, retryWithBackoff } from '../pipeline/retry.js';
import { AccessRecorder } from '../api/accessLog.js';
import { loadApiKeys } from '../apiKeys.js';
import { OidcVerifier } from '../api/oidc.js';
import { serviceMetrics, type ServiceMetrics } from './metrics.js';
import { SliProcessor } from '../sli/processor.js';
import { AnomalyProcessor, type AnomalySink } from '../detect/processor.js';
import { createScorers } from '../detect/scorers.js';
import { KafkaAnomalySink, StoreAnomalySink } from '../sinks/anomalies.js';
import { KeyedRepartition, keyedScoringHandler } from '../sinks/keyed.js';
import { KeyedScoring } from '../detect/keyed.js';
import { prepareKeyedTopic, startKeyedConsumer } from '../sources/keyed.js';
import { loadSloSpec } from '../slo/spec.js';

/** The SLO spec shipped with the package, used unless ZTNA_SLO_FILE names another. */
export const DEFAULT_SLO_FILE = fileURLToPath(new URL('../../slos.yaml', import.meta.url));

export interface Service {
  store: Store;
  pipeline: IngestPipeline;
  /** Where the HTTP server listens. */
  address: string;
  /**
   * Resolves once the migrations are applied and events flow (Kafka or the simulator). A store
   * that is away is waited out meanwhile; this rejects only on a failure waiting cannot fix
   * (a changed migration, say).
   */
  started: Promise<void>;
  /** Stops taking input, finishes and commits the batch in flight, closes the store; cuts a start-up short. */
  stop(): Promise<void>;
}

/**
 * Starts the HTTP server first, so /healthz answers and /readyz says what is missing, then
 * waits out the store (migrations, with backoff) and only then starts consuming.
 */
export async function startService(config: Config, log: Logger, print: (line: string) => void): Promise<Service> {
  requireSharedHmacKey(config);
  const https = httpsOptions(config);
  const store = openStore(storeOptions(config));
  const normalize = {
    source: 'auto' as const,
    maxBytes: config.ZTNA_MAX_EVENT_BYTES,
    hmacKey: resolveHmacKey(config.ZTNA_HMAC_KEY, config.ZTNA_DATA_DIR),
    defaultTenant: config.ZTNA_DEFAULT_TENANT,
  };
  print(`ztna: store ${store.engine} at ${store.location}`);
  const spec = loadSloSpec(config.ZTNA_SLO_FILE ?? DEFAULT_SLO_FILE);
  const metrics = serviceMetrics(spec, { tokenAgeLimitSeconds: config.ZTNA_TOKEN_AGE_LIMIT_SECONDS });
  const anomalySinks: AnomalySink[] = [new StoreAnomalySink(store)];
  const anomalies = new AnomalyProcessor(createScorers(scorerOptions(config)), anomalySinks, metrics.detect, (err, waiting) =>
    log.warn({ err: (err as Error).message, waiting }, 'anomalies not published; kept for the next batch'),
  );
  const sliOptions = {
    labelCap: config.ZTNA_METRIC_LABEL_CAP,
    otherLabel: config.ZTNA_METRIC_OTHER_LABEL,
    reorderWindowMs: config.ZTNA_COMPLETENESS_WINDOW_SECONDS * 1000,
    restartMaxSeq: 10,
    tokenAgeLimitSeconds: config.ZTNA_TOKEN_AGE_LIMIT_SECONDS,
    sessions: { maxSessions: config.ZTNA_SESSION_MAX, idleMs: config.ZTNA_SESSION_IDLE_HOURS * 3_600_000 },
    emitterSilenceMs: config.ZTNA_EMITTER_SILENCE_SECONDS * 1000,
  };
  const kafka = config.KAFKA_BROKERS ? kafkaConnection(config.KAFKA_BROKERS, config, log) : undefined;
  // Keyed scoring (several replicas): the keyed state (scorers, completeness) runs on the keyed
  // topic's partitions this replica holds (startKeyedScoring); each replica counts the SLIs of
  // what it stores. Otherwise the process scores what it consumes, on the pipeline.
  const repartition = kafka && config.ZTNA_KEYED_SCORING ? new KeyedRepartition(kafka.client, config.ZTNA_TOPIC_KEYED) : undefined;
  const processors = repartition
    ? [repartition, new SliProcessor(metrics.sli, { ...sliOptions, only: 'counts' })]
    : [new SliProcessor(metrics.sli, sliOptions), anomalies];
  if (kafka) anomalySinks.push(new KafkaAnomalySink(kafka.producer, config.ZTNA_TOPIC_ANOMALIES));
  const deadLetterSinks = kafka ? [new KafkaDeadLetterSink(kafka.producer, config.ZTNA_TOPIC_DEADLETTER)] : [];
  const pipeline = new IngestPipeline(store, normalize, {
    deadLetterSinks,
    processors,
    metrics: metrics.pipeline,
    workers: preparePoolSize(config.ZTNA_PREPARE_WORKERS),
    deadLetterExactBytes: config.ZTNA_DEAD_LETTER_EXACT_BYTES,
  });

  // What start-up has not done yet, per dependency: /readyz reports it once the dependency answers.
  const pending: { store?: string; kafka?: string } = {
    store: 'migrations not applied yet',
    kafka: 'not consuming yet: waiting for the store',
  };
  // The keyed consumer's own state once it runs (a rebuild under way, partitions left cold).
  let keyedUnready = (): string | undefined => 'not consuming the keyed topic yet';
  const afterStartUp =
    (name: keyof typeof pending, check: DependencyCheck): DependencyCheck =>
    async (signal) => {
      await check(signal);
      if (pending[name]) throw new Unready(pending[name]);
    };
  const readiness = new ReadinessMonitor(
    {
      store: afterStartUp('store', storeCheck(store)),
      ...(kafka ? { kafka: afterStartUp('kafka', brokersCheck(kafka.brokers, kafka.tls)) } : {}),
      ...(repartition ? { keyed: stateCheck(() => keyedUnready()) } : {}),
    },
    { log },
  );

  const access = new AccessRecorder(
    (records) => pipeline.processBatch(records),
    config.ZTNA_DEFAULT_TENANT,
    (err) => log.error({ err }, 'recording API access failed'),
  );
  const apiKeys = loadApiKeys(config, print, log);
  const oidc = oidcSettings(config);
  const server = buildServer({
    store,
    registry: metrics.registry,
    spec,
    readiness,
    logger: log,
    apiKeys: apiKeys.current,
    apiMetrics: metrics.api,
    authenticators: oidc ? [new OidcVerifier(oidc).authenticator()] : [],
    access,
    ingest: pipeline,
    defaultTenant: config.ZTNA_DEFAULT_TENANT,
    bodyLimit: config.ZTNA_HTTP_BODY_LIMIT_BYTES,
    credentialMaxAgeSeconds: config.ZTNA_CREDENTIAL_MAX_AGE_DAYS * 86400,
    https,
  });
  const address = await server.listen({ host: config.ZTNA_HTTP_HOST, port: config.ZTNA_HTTP_PORT });
  print(`ztna: HTTP on ${address}: /metrics, /healthz, /readyz; with an API key: /api/v1/slis, /api/v1/anomalies, POST /api/v1/events`);
  if (oidc) print(`ztna: bearer tokens of ${oidc.issuer} accepted besides API keys (audience ${oidc.audience.join(', ')})`);
  const stopProgress = reportProgress(pipeline.counts, config.ZTNA_PROGRESS_SECONDS, print);

  const stopping = new AbortController();
  let stopSource: (() => Promise<void>) | undefined;
  let stopSealer: (() => Promise<void>) | undefined;
  const started = (async () => {
    const migrated = await waitForStore(store, migrateOptions(config), stopping.signal, log);
    if (!migrated) return;
    delete pending.store;
    if (config.ZTNA_SEAL_SECONDS > 0)
      stopSealer = startSealer(store, config.ZTNA_SEAL_SECONDS * 1000, (err) =>
        log.warn({ err: (err as Error).message }, 'sealing closed SLI minutes failed; retried at the next pass'),
      );
    if (kafka) {
      pending.kafka = 'joining the consumer group';
      const keyed = repartition
        ? await startKeyedScoring(
            kafka,
            config,
            {
              store,
              anomalies,
              repartition,
              completeness: new SliProcessor(metrics.sli, { ...sliOptions, only: 'completeness' }),
              metrics,
              log,
            },
            stopping.signal,
          )
        : undefined;
      if (keyed) keyedUnready = keyed.unready;
      // Stopped while the keyed consumer was starting: nothing more starts.
      const source = !repartition || keyed ? await consumeKafka(kafka, config, pipeline, metrics, log, stopping.signal) : undefined;
      // Erasures (`ztna forget`) reach the scorers through the control topic, created with the source's topics.
      const control = source
        ? await retryWithBackoff(
            () =>
              startControlConsumer(
                kafka.client,
                {
                  topic: config.ZTNA_TOPIC_CONTROL,
                  groupId: config.ZTNA_KAFKA_GROUP,
                  sessionTimeoutMs: config.ZTNA_KAFKA_SESSION_TIMEOUT_MS,
                  fatal: kafkaSetupFailure,
                },
                [anomalies],
                normalize.hmacKey,
                log,
              ),
            {
              stopped: () => stopping.signal.aborted,
              pause: (ms) => pauseUnlessStopped(ms, stopping.signal),
              onFailure: (err, attempt, delayMs) =>
                log.warn({ attempt, retryInMs: delayMs }, `control topic: cannot start reading (${(err as Error).message}); retrying`),
            },
          )
        : undefined;
      stopSource = async () => {
        if (control?.done) await control.value.stop();
        await source?.stop(); // leaves the group: a planned restart gets its partitions back at once
        await keyed?.stop(); // after the source: its last batch is produced to the keyed topic first
        await kafka.producer.disconnect();
      };
      if (!source || !control?.done) return;
      // Any other crash starts the consumer again (src/pipeline/restartAfterCrash.ts).
      source.onStopped((reason) => (pending.kafka = `the consumer stopped: ${reason}; fix it and restart the service`));
      delete pending.kafka;
      print(`ztna: consuming ${kafka.topics.join(', ')} from ${kafka.brokers.join(',')} as group ${config.ZTNA_KAFKA_GROUP}`);
    } else {
      const simulated = runEmbeddedSimulator(
        pipeline,
        {
          seed: config.ZTNA_SIM_SEED,
          rate: config.ZTNA_SIM_RATE,
          scenarios: config.ZTNA_SIM_SCENARIOS,
          defaultTenant: config.ZTNA_DEFAULT_TENANT,
        },
        stopping.signal,
        { log, print, metrics: metrics.sources },
      );
      stopSource = () => simulated;
      print(`ztna: no KAFKA_BROKERS set: the built-in simulator sends ${config.ZTNA_SIM_RATE} events/s (set ZTNA_SIM_RATE to change)`);
    }
    await readiness.checkNow(); // ready now, not at the next round
  })();

  let stopped: Promise<void> | undefined;
  return {
    store,
    pipeline,
    address,
    started,
    stop: () =>
      (stopped ??= (async () => {
        stopping.abort();
        await server.close();
        await access.close();
        apiKeys.close();
        await started.catch(() => {}); // what start-up began, it finishes (one attempt at most) before it is stopped
        await stopSource?.();
        stopProgress();
        await stopSealer?.();
        await pipeline.close();
        await store.close();
      })()),
  };
}

/**
 * Applies the migrations, waiting out a store that is away (a transient error) with backoff and
 * one log line per attempt; any other failure is thrown. False when stopped first.
 */
async function waitForStore(store: Store, options: MigrateOptions, signal: AbortSignal, log: Logger): Promise<boolean> {
  const result = await retryWithBackoff(() => migrate(store, options), {
    stopped: () => signal.aborted,
    pause: (ms) => pauseUnlessStopped(ms, signal),
    onFailure: (err, attempt, delayMs) => {
      if (!(err instanceof StoreError && err.transient)) throw err; // thrown out of the retry: waiting cannot fix it
      log.warn(
        { store: store.location, attempt, retryInMs: delayMs },
        `store: ${storeFailure(store.location, err)} (attempt ${attempt}: ${err.message}); migrations not applied yet, retrying in ${delayMs / 1000} s`,
      );
    },
  });
  if (result.done && result.value.applied.length > 0) log.info({ applied: result.value.applied }, 'migrations applied');
  return result.done;
}

interface KafkaConnection {
  client: Kafka;
  /** Dead letters and anomalies; connected when consuming starts. */
  producer: Producer;
  brokers: string[];
  /** TLS to the brokers, also for the reachability check; undefined for plaintext. */
  tls: ConnectionOptions | undefined;
  topics: string[];
}

function kafkaConnection(brokers: string[], config: Config, log: Logger): KafkaConnection {
  const settings = kafkaClientSettings(config, brokers);
  const client = kafkaClient(settings, log);
  return {
    client,
    producer: client.producer({ idempotent: true, maxInFlightRequests: 1 }),
    brokers,
    tls: settings.tls ? tlsOptions(settings.tls) : undefined,
    topics: Object.values(kafkaTopics(config)),
  };
}

/** Connects the producer and starts the consumer group, retrying with backoff; undefined when stopped first. */
async function consumeKafka(
  kafka: KafkaConnection,
  config: Config,
  pipeline: IngestPipeline,
  metrics: ServiceMetrics,
  log: Logger,
  signal: AbortSignal,
): Promise<KafkaSourceHandle | undefined> {
  const settings = {
    brokers: kafka.brokers,
    clientId: config.KAFKA_CLIENT_ID,
    groupId: config.ZTNA_KAFKA_GROUP,
    topics: kafka.topics,
    deadLetterTopic: config.ZTNA_TOPIC_DEADLETTER,
    outputTopics: [config.ZTNA_TOPIC_ANOMALIES, config.ZTNA_TOPIC_CONTROL],
    createTopicsPartitions: config.ZTNA_KAFKA_CREATE_PARTITIONS,
    sessionTimeoutMs: config.ZTNA_KAFKA_SESSION_TIMEOUT_MS,
    batching: batchingSettings(config),
  };
  const source = await retryWithBackoff(
    async () => {
      // A broker that is away fails here at once, rather than through kafkajs's long retries.
      await brokersCheck(kafka.brokers, kafka.tls)(AbortSignal.timeout(2000));
      await kafka.producer.connect();
      return startKafkaSource(kafka.client, settings, pipeline, log, metrics.sources);
    },
    {
      stopped: () => signal.aborted,
      pause: (ms) => pauseUnlessStopped(ms, signal),
      onFailure: async (err, attempt, delayMs) => {
        // Refused credentials or an untrusted certificate: waiting cannot fix them, so start-up fails.
        const setupFailure = kafkaSetupFailure(err);
        if (setupFailure) {
          await kafka.producer.disconnect(); // connected already when an authorization is refused later on
          throw new Error(`kafka: ${setupFailure}`, { cause: err });
        }
        log.warn(
          { attempt, retryInMs: delayMs },
          `kafka: cannot start consuming (attempt ${attempt}): ${(err as Error).message}; retrying in ${delayMs / 1000} s`,
        );
      },
    },
  );
  return source.done ? source.value : undefined;
}

/**
 * Creates the keyed topic and starts its consumer, whose handler runs the scorers and the
 * completeness SLI on the keyed partitions this replica holds, retrying with backoff; undefined
 * when stopped first.
 */
async function startKeyedScoring(
  kafka: KafkaConnection,
  config: Config,
  parts: {
    store: Store;
    anomalies: AnomalyProcessor;
    repartition: KeyedRepartition;
    completeness: SliProcessor;
    metrics: ServiceMetrics;
    log: Logger;
  },
  signal: AbortSignal,
): Promise<{ unready(): string | undefined; stop(): Promise<void> } | undefined> {
  const { log } = parts;
  const started = await retryWithBackoff(
    async () => {
      await brokersCheck(kafka.brokers, kafka.tls)(AbortSignal.timeout(2000));
      await kafka.producer.connect(); // a rebuild may publish anomalies before the source starts
      const partitions = await prepareKeyedTopic(kafka.client, config.ZTNA_TOPIC_KEYED, config.ZTNA_KEYED_PARTITIONS);
      await parts.repartition.connect(partitions);
      const handler = keyedScoringHandler({
        scoring: new KeyedScoring(parts.anomalies.scorers, partitions, scorerOptions(config).denialBurst?.cooldownMinutes),
        anomalies: parts.anomalies,
        completeness: parts.completeness,
        store: parts.store,
        windowMs: config.ZTNA_KEYED_REBUILD_MINUTES * 60_000,
        rebuildSeconds: parts.metrics.detect.rebuildSeconds,
        log,
      });
      const settings = {
        topic: config.ZTNA_TOPIC_KEYED,
        groupId: config.ZTNA_KAFKA_GROUP,
        sessionTimeoutMs: config.ZTNA_KAFKA_SESSION_TIMEOUT_MS,
        rebuildWindowMs: config.ZTNA_KEYED_REBUILD_MINUTES * 60_000,
        hopSeconds: parts.metrics.sources.keyedHopSeconds,
      };
      const consumer = await startKeyedConsumer(kafka.client, settings, handler, log);
      return {
        unready: consumer.unready,
        stop: async () => {
          await consumer.stop();
          await parts.repartition.disconnect();
        },
      };
    },
    {
      stopped: () => signal.aborted,
      pause: (ms) => pauseUnlessStopped(ms, signal),
      onFailure: async (err, attempt, delayMs) => {
        const setupFailure = kafkaSetupFailure(err);
        if (setupFailure) {
          await kafka.producer.disconnect(); // connected already when an authorization is refused later on
          await parts.repartition.disconnect();
          throw new Error(`kafka: ${setupFailure}`, { cause: err });
        }
        log.warn(
          { attempt, retryInMs: delayMs },
          `kafka: cannot start consuming (attempt ${attempt}): the keyed topic: ${(err as Error).message}; retrying in ${delayMs / 1000} s`,
        );
      },
    },
  );
  return started.done ? started.value : undefined;
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
