// Every setting, from the environment, validated once at start-up. A bad value stops
// start-up with the variable's name and what is wrong with it.
import { z } from 'zod';
import { parseScenarios } from './simulate/scenarios.js';
import { DEFAULT_TOKEN_REPLAY } from './detect/tokenReplay.js';
import { DEFAULT_BATCHING, type BatchingSettings } from './sources/batching.js';
import { DEFAULT_DENIAL_BURST } from './detect/denialBurst.js';

const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const topic = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name: letters, digits, . _ -');

export const ConfigSchema = z.object({
  ZTNA_DATA_DIR: z.string().min(1).default('./data').describe('chDB data directory (embedded store)'),
  CLICKHOUSE_URL: z.url().optional().describe('ClickHouse server URL; when set, used instead of chDB'),
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  CLICKHOUSE_DATABASE: z.string().regex(/^\w+$/).optional(),
  KAFKA_BROKERS: csv
    .pipe(z.array(z.string().regex(/^[\w.-]+:\d{1,5}$/, 'host:port')).min(1))
    .optional()
    .describe('comma-separated host:port list; when set, events are consumed from Kafka'),
  KAFKA_CLIENT_ID: z.string().min(1).default('ztna-telemetry'),
  ZTNA_KAFKA_GROUP: z.string().min(1).default('ztna-telemetry'),
  ZTNA_TOPIC_AUTH: topic.default('ztna.auth'),
  ZTNA_TOPIC_POLICY: topic.default('ztna.policy'),
  ZTNA_TOPIC_POSTURE: topic.default('ztna.posture'),
  ZTNA_TOPIC_TOKEN: topic.default('ztna.token'),
  ZTNA_TOPIC_DEADLETTER: topic.default('ztna.deadletter'),
  ZTNA_TOPIC_ANOMALIES: topic.default('ztna.anomalies'),
  ZTNA_KAFKA_SESSION_TIMEOUT_MS: int(6000, 300_000).default(30_000).describe("how soon a dead replica's partitions move to the others"),
  ZTNA_BATCH_MAX_RECORDS: int(1, 1_000_000)
    .default(DEFAULT_BATCHING.maxRecords)
    .describe('records gathered into one batch at most (one insert per table per batch)'),
  ZTNA_BATCH_MAX_BYTES: int(1024, 1024 * 1024 * 1024)
    .default(DEFAULT_BATCHING.maxBytes)
    .describe('raw bytes gathered into one batch at most'),
  ZTNA_BATCH_LINGER_MS: int(0, 60_000)
    .default(DEFAULT_BATCHING.lingerMs)
    .describe('how long a batch waits for more records before it goes'),
  ZTNA_PREPARE_WORKERS: int(0, 64)
    .optional()
    .describe('worker threads that normalize and encode batches (0: the main thread); default: the available cores'),
  ZTNA_KAFKA_CREATE_PARTITIONS: int(0, 1000).default(3).describe('partitions for topics created at start-up; 0 = never create'),
  // Capped so that the expiry of any storable time (before 2100) stays within ClickHouse's Date range.
  ZTNA_RETENTION_DAYS: int(1, 3650).default(400).describe('days events and dead letters are kept (TTL)'),
  ZTNA_HMAC_KEY: z.string().min(32, 'at least 32 characters').optional().describe('key for token fingerprints'),
  ZTNA_MAX_EVENT_BYTES: int(256, 64 * 1024 * 1024).default(1024 * 1024),
  ZTNA_DEFAULT_TENANT: z.string().min(1).max(128).default('default'),
  ZTNA_SIM_RATE: int(1, 1_000_000).default(200).describe('events/s the embedded simulator sends when Kafka is not configured'),
  ZTNA_SIM_SEED: int(0, 2 ** 31).default(1),
  ZTNA_SIM_SCENARIOS: z
    .string()
    .default('')
    .superRefine((value, ctx) => {
      try {
        parseScenarios(value, 0);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .describe('incidents the embedded simulator injects: name@offset+duration, comma-separated (e.g. idp-outage@5m+10m)'),
  ZTNA_HTTP_HOST: z.string().min(1).default('127.0.0.1').describe('address the HTTP API and /metrics listen on'),
  ZTNA_HTTP_PORT: int(0, 65535).default(8080),
  ZTNA_HTTP_BODY_LIMIT_BYTES: int(1024, 512 * 1024 * 1024)
    .default(10 * 1024 * 1024)
    .describe('largest request body (POST /api/v1/events)'),
  ZTNA_API_KEYS: z.string().optional().describe('API keys: comma-separated name:role:sha256-of-key'),
  ZTNA_API_KEYS_FILE: z.string().optional().describe('a file of API keys, one name:role:sha256-of-key per line'),
  ZTNA_METRIC_LABEL_CAP: int(1, 100_000).default(100).describe('distinct values per metric label before the rest share one bucket'),
  ZTNA_METRIC_OTHER_LABEL: z.string().min(1).max(64).default('other').describe('the label value of that bucket'),
  ZTNA_COMPLETENESS_WINDOW_SECONDS: int(1, 86_400)
    .default(60)
    .describe('how long a sequence gap may stay open (reordering) before its events count as lost'),
  ZTNA_SCORER_MAX_KEYS: int(1000, 100_000_000)
    .default(200_000)
    .describe('credentials the replay scorer and keys the burst scorer hold at most'),
  ZTNA_SCORER_IDLE_HOURS: int(1, 24 * 90)
    .default(24)
    .describe('a credential unseen this long is forgotten by the replay scorer'),
  ZTNA_BURST_MIN_COUNT: int(1, 100_000).default(10).describe('denials per minute below which no burst is raised'),
  ZTNA_SLO_FILE: z.string().optional().describe('the SLO spec; default: the slos.yaml shipped with the package'),
  ZTNA_PROGRESS_SECONDS: int(0, 3600).default(5),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty variables mean "not set", as in docker compose files with `FOO=`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Replicas must agree on token fingerprints: a per-machine key would split one token into several. */
export function requireSharedHmacKey(config: Config): void {
  if ((config.KAFKA_BROKERS || config.CLICKHOUSE_URL) && !config.ZTNA_HMAC_KEY) {
    throw new ConfigError(
      'invalid configuration:\n  ZTNA_HMAC_KEY: required when KAFKA_BROKERS or CLICKHOUSE_URL is set (shared by all replicas)',
    );
  }
}

export function kafkaTopics(config: Config) {
  return {
    auth: config.ZTNA_TOPIC_AUTH,
    policy: config.ZTNA_TOPIC_POLICY,
    posture: config.ZTNA_TOPIC_POSTURE,
    token: config.ZTNA_TOPIC_TOKEN,
  } as const;
}

/** Scorer settings from the configuration, over the defaults. */
export function scorerOptions(config: Config) {
  return {
    tokenReplay: { ...DEFAULT_TOKEN_REPLAY, maxCredentials: config.ZTNA_SCORER_MAX_KEYS, idleMs: config.ZTNA_SCORER_IDLE_HOURS * 3600_000 },
    denialBurst: { ...DEFAULT_DENIAL_BURST, maxKeys: config.ZTNA_SCORER_MAX_KEYS, minCount: config.ZTNA_BURST_MIN_COUNT },
  };
}

/** Where the store is: a ClickHouse server when its URL is set, else chDB under the data directory. */
export function storeOptions(config: Config) {
  return {
    dataDir: config.ZTNA_DATA_DIR,
    clickhouse: config.CLICKHOUSE_URL
      ? {
          url: config.CLICKHOUSE_URL,
          username: config.CLICKHOUSE_USER,
          password: config.CLICKHOUSE_PASSWORD,
          database: config.CLICKHOUSE_DATABASE,
        }
      : undefined,
  };
}

/** How the doors that read fast (Kafka, files) gather records into batches. */
export function batchingSettings(config: Config): BatchingSettings {
  return { maxRecords: config.ZTNA_BATCH_MAX_RECORDS, maxBytes: config.ZTNA_BATCH_MAX_BYTES, lingerMs: config.ZTNA_BATCH_LINGER_MS };
}
