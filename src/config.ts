// Every setting, from the environment, validated once at start-up. A bad value stops
// start-up with the variable's name and what is wrong with it.
import { accessSync, constants, readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { z } from 'zod';
import { parseScenarios } from './simulate/scenarios.js';
import { DEFAULT_TOKEN_REPLAY } from './detect/tokenReplay.js';
import { DEFAULT_BATCHING, type BatchingSettings } from './sources/batching.js';
import { DEFAULT_DENIAL_BURST } from './detect/denialBurst.js';
import { DEFAULT_SERVICE_CREDENTIAL } from './detect/serviceCredential.js';
import { KAFKA_SASL_MECHANISMS, type KafkaClientSettings, type KafkaSaslSettings } from './kafka/client.js';
import type { ClickHouseServerOptions } from './store/clickhouse.js';
import { STORE_LAYOUTS } from './store/clusterLayout.js';
import type { MigrateOptions } from './store/migrate.js';
import { OIDC_ALGORITHMS, type OidcSettings } from './api/oidc.js';
import { DEFAULT_GROUP_PATTERN, groupPatternProblem } from './api/oidcClaims.js';
import { DEFAULT_CREDENTIAL_MAX_AGE_DAYS } from './conventions.js';

const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const flag = z.stringbool({ truthy: ['true', '1', 'yes', 'on'], falsy: ['false', '0', 'no', 'off'] });
// Checked here so that a wrong path stops start-up with the others; read when the clients are built.
const readableFile = z.string().refine(isReadable, { error: (issue) => `cannot read ${String(issue.input)}` });
// Keys fetched over plain http could be anyone's: http only on a loopback address (a test's own issuer).
const issuerUrl = z.url().refine((url) => {
  const { protocol, hostname } = new URL(url);
  return protocol === 'https:' || (protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(hostname));
}, 'an https URL (http only on a loopback address)');
const claimPath = z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, 'a claim name, or a dotted path to a nested claim (realm_access.roles)');
const topic = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name: letters, digits, . _ -');

export const ConfigSchema = z.object({
  ZTNA_DATA_DIR: z.string().min(1).default('./data').describe('chDB data directory (embedded store)'),
  CLICKHOUSE_URL: z.url().optional().describe('ClickHouse server URL; when set, used instead of chDB'),
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  CLICKHOUSE_DATABASE: z.string().regex(/^\w+$/).optional(),
  CLICKHOUSE_LAYOUT: z
    .enum(STORE_LAYOUTS)
    .default('single')
    .describe(
      "the tables' layout: single (one server, sql/migrations) or cluster (replicated and sharded, sql/cluster; the server names it in its {cluster} macro)",
    ),
  CLICKHOUSE_PASSWORD_FILE: readableFile.optional().describe('a file holding the ClickHouse password (instead of CLICKHOUSE_PASSWORD)'),
  CLICKHOUSE_CA_FILE: readableFile.optional().describe('PEM CA(s) to trust for an https CLICKHOUSE_URL instead of the system CAs'),
  CLICKHOUSE_CERT_FILE: readableFile.optional().describe('client certificate (PEM) for mutual TLS; needs CLICKHOUSE_CA_FILE'),
  CLICKHOUSE_KEY_FILE: readableFile.optional().describe('its private key (PEM, unencrypted)'),
  CLICKHOUSE_REQUEST_TIMEOUT_MS: int(1000, 3_600_000).default(30_000).describe('how long one request to ClickHouse may take'),
  CLICKHOUSE_COMPRESSION: z
    .enum(['none', 'response', 'request', 'both'])
    .default('none')
    .describe('gzip of responses, of request (insert) bodies, or both'),
  KAFKA_BROKERS: csv
    .pipe(z.array(z.string().regex(/^[\w.-]+:\d{1,5}$/, 'host:port')).min(1))
    .optional()
    .describe('comma-separated host:port list; when set, events are consumed from Kafka'),
  KAFKA_CLIENT_ID: z.string().min(1).default('ztna-telemetry'),
  KAFKA_SSL: flag.default(false).describe('TLS to the brokers (the SSL and SASL_SSL listeners)'),
  KAFKA_SSL_CA_FILE: readableFile.optional().describe("PEM CA(s) that signed the brokers' certificates, instead of the system CAs"),
  KAFKA_SSL_CERT_FILE: readableFile.optional().describe('client certificate (PEM) for mutual TLS'),
  KAFKA_SSL_KEY_FILE: readableFile.optional().describe('its private key (PEM, unencrypted)'),
  KAFKA_SSL_VERIFY_HOSTNAME: flag
    .default(true)
    .describe("false skips only the check that the broker's certificate names the host; the chain is always verified"),
  KAFKA_SASL_MECHANISM: z.string().toLowerCase().pipe(z.enum(KAFKA_SASL_MECHANISMS)).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  KAFKA_SASL_PASSWORD_FILE: readableFile.optional().describe('a file holding the SASL password (instead of KAFKA_SASL_PASSWORD)'),
  KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: readableFile
    .optional()
    .describe('a file holding the OAUTHBEARER token, read again at every authentication (refreshed by something else)'),
  ZTNA_KAFKA_GROUP: z.string().min(1).default('ztna-telemetry'),
  ZTNA_TOPIC_AUTH: topic.default('ztna.auth'),
  ZTNA_TOPIC_POLICY: topic.default('ztna.policy'),
  ZTNA_TOPIC_POSTURE: topic.default('ztna.posture'),
  ZTNA_TOPIC_TOKEN: topic.default('ztna.token'),
  ZTNA_TOPIC_DEADLETTER: topic.default('ztna.deadletter'),
  ZTNA_TOPIC_ANOMALIES: topic.default('ztna.anomalies'),
  ZTNA_TOPIC_CONTROL: topic.default('ztna.control').describe('control messages to every replica (`ztna forget`)'),
  ZTNA_KEYED_SCORING: flag
    .default(false)
    .describe(
      'score on the keyed topic, so that several replicas of one group share the scoring state (off: each process scores what it consumes)',
    ),
  ZTNA_TOPIC_KEYED: topic.default('ztna.keyed').describe('the repartition topic: stored events keyed by what the scorers key on'),
  ZTNA_KEYED_PARTITIONS: int(0, 1000)
    .default(12)
    .describe('partitions of the keyed topic when created at start-up (0 = never create); more than replicas, so they can grow'),
  ZTNA_KEYED_REBUILD_MINUTES: int(1, 7 * 24 * 60)
    .default(60)
    .describe("how far back a replica rebuilds the scorers' state of the keyed partitions it gains, from the store"),
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
    .describe('worker threads that normalize and encode batches (0: the main thread); default: the available cores less one'),
  ZTNA_KAFKA_CREATE_PARTITIONS: int(0, 1000).default(3).describe('partitions for topics created at start-up; 0 = never create'),
  // Capped so that the expiry of any storable time (before 2100) stays within ClickHouse's Date range.
  ZTNA_RETENTION_DAYS: int(1, 3650).default(400).describe('days events and dead letters are kept (TTL)'),
  ZTNA_HMAC_KEY: z.string().min(32, 'at least 32 characters').optional().describe('key for token fingerprints'),
  ZTNA_MAX_EVENT_BYTES: int(256, 64 * 1024 * 1024).default(1024 * 1024),
  ZTNA_DEAD_LETTER_EXACT_BYTES: flag
    .default(false)
    .describe(
      "true stores rejected records' exact bytes in rejected_events; by default with secrets redacted (the topic always has them exactly)",
    ),
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
    .describe(
      'incidents the embedded simulator injects: name[/shape]@offset+duration, comma-separated (e.g. idp-outage@5m+10m,mfa-fatigue/duo@20m+6m)',
    ),
  ZTNA_HTTP_HOST: z.string().min(1).default('127.0.0.1').describe('address the HTTP API and /metrics listen on'),
  ZTNA_HTTP_PORT: int(0, 65535).default(8080),
  ZTNA_TLS_CERT_FILE: readableFile.optional().describe('PEM certificate (chain) of the HTTP API: with it, the API answers https only'),
  ZTNA_TLS_KEY_FILE: readableFile.optional().describe('its private key (PEM, unencrypted)'),
  ZTNA_HTTP_BODY_LIMIT_BYTES: int(1024, 512 * 1024 * 1024)
    .default(10 * 1024 * 1024)
    .describe('largest request body (POST /api/v1/events)'),
  ZTNA_API_KEYS: z.string().optional().describe('API keys: comma-separated name:role:sha256-of-key'),
  ZTNA_API_KEYS_FILE: z.string().optional().describe('a file of API keys, one name:role:sha256-of-key per line'),
  ZTNA_OIDC_ISSUER: issuerUrl
    .optional()
    .describe("an OpenID Connect issuer whose JWTs the API accepts besides API keys, exactly as its tokens' iss spell it"),
  ZTNA_OIDC_AUDIENCE: csv
    .pipe(z.array(z.string()).min(1))
    .optional()
    .describe('the aud values a token must name one of (comma-separated); required with ZTNA_OIDC_ISSUER'),
  ZTNA_OIDC_JWKS_URL: issuerUrl.optional().describe("the issuer's keys (JWKS); default: the jwks_uri of its discovery document"),
  ZTNA_OIDC_ALGORITHMS: csv
    .pipe(z.array(z.enum(OIDC_ALGORITHMS)).min(1))
    .default(['RS256', 'ES256'])
    .describe('signature algorithms a token may use (public-key ones only)'),
  ZTNA_OIDC_CLOCK_SKEW_SECONDS: int(0, 300).default(60).describe('how far exp and nbf may be off from this clock'),
  ZTNA_OIDC_JWKS_MAX_AGE_SECONDS: int(60, 86_400)
    .default(600)
    .describe("how long the issuer's keys are used before they are fetched again"),
  ZTNA_OIDC_JWKS_COOLDOWN_SECONDS: int(0, 3600)
    .default(30)
    .describe("an unknown key id fetches the issuer's keys again at most this often"),
  ZTNA_OIDC_GROUPS_CLAIM: claimPath.default('groups').describe('the claim holding the names that grant roles and tenants'),
  ZTNA_OIDC_GROUP_PATTERN: z
    .string()
    .default(DEFAULT_GROUP_PATTERN)
    .superRefine((value, ctx) => {
      const problem = groupPatternProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe('a regular expression read from each name: (?<role>…) and optionally (?<tenant>…); without a tenant, every tenant'),
  ZTNA_OIDC_NAME_CLAIM: claimPath.default('preferred_username').describe('the claim naming the caller in the access log (else sub)'),
  ZTNA_METRIC_LABEL_CAP: int(1, 100_000).default(100).describe('distinct values per metric label before the rest share one bucket'),
  ZTNA_METRIC_OTHER_LABEL: z.string().min(1).max(64).default('other').describe('the label value of that bucket'),
  ZTNA_COMPLETENESS_WINDOW_SECONDS: int(1, 86_400)
    .default(60)
    .describe('how long a sequence gap may stay open (reordering) before its events count as lost'),
  ZTNA_TOKEN_AGE_LIMIT_SECONDS: int(1, 90 * 86_400)
    .default(3600)
    .describe('a use of a token older than this (use time − issued_at) counts against short-lived tokens'),
  ZTNA_CREDENTIAL_MAX_AGE_DAYS: int(1, 3650)
    .default(DEFAULT_CREDENTIAL_MAX_AGE_DAYS)
    .describe(
      'the rotation policy of service credentials: one used while older than this, or issued for longer, is overdue (GET /api/v1/credentials?overdue=true)',
    ),
  ZTNA_EMITTER_SILENCE_SECONDS: int(10, 86_400)
    .default(300)
    .describe("an emitter with no events for this long while its tenant's other emitters report counts as stopped"),
  ZTNA_SESSION_MAX: int(1000, 100_000_000)
    .default(200_000)
    .describe('sessions followed at most for their re-evaluation intervals; past it the least recently evaluated is forgotten'),
  ZTNA_SESSION_IDLE_HOURS: int(1, 24 * 30)
    .default(24)
    .describe('a session not evaluated for this long is forgotten (longer intervals go unmeasured)'),
  ZTNA_SCORER_MAX_KEYS: int(1000, 100_000_000)
    .default(200_000)
    .describe('credentials the replay scorer and keys the burst scorer hold at most'),
  ZTNA_SCORER_IDLE_HOURS: int(1, 24 * 90)
    .default(24)
    .describe('a credential unseen this long is forgotten by the replay scorer'),
  ZTNA_BURST_MIN_COUNT: int(1, 100_000).default(10).describe('denials per minute below which no burst is raised'),
  ZTNA_SERVICE_LEARN_EVENTS: int(1, 100_000)
    .default(DEFAULT_SERVICE_CREDENTIAL.learnEvents)
    .describe(
      "a service account's sign-ins from which its usual networks, ASNs and countries are learnt before a new one raises secret_leak",
    ),
  ZTNA_SERVICE_LEARN_DAYS: int(1, 365)
    .default(DEFAULT_SERVICE_CREDENTIAL.learnHoursDays)
    .describe('days a service account on a schedule is watched before a sign-in at an hour it never used raises secret_leak'),
  ZTNA_SLO_FILE: z.string().optional().describe('the SLO spec; default: the slos.yaml shipped with the package'),
  ZTNA_PROMETHEUS_URL: z.url().optional().describe('the Prometheus that scrapes the service, for `ztna doctor` to check'),
  ZTNA_SEAL_SECONDS: int(0, 86_400)
    .default(60)
    .describe(
      "how often closed minutes of the SLI and denial rollups are sealed into plain counts (0: never; week-long reads then merge every minute's event ids)",
    ),
  ZTNA_PROGRESS_SECONDS: int(0, 3600).default(5),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof ConfigSchema>;

function isReadable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

const TLS_ONLY = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] as const;
const SASL_CREDENTIALS = [
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SASL_PASSWORD_FILE',
  'KAFKA_SASL_OAUTHBEARER_TOKEN_FILE',
] as const;

/** The rules between the Kafka and ClickHouse connection settings; each issue names the variable to fix, never a value. */
function checkConnectionSettings(c: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const problem = (name: string, message: string) => ctx.addIssue({ code: 'custom', path: [name], message });
  const isSet = (name: string) => c[name] !== undefined;
  const pair = (a: string, b: string) => {
    if (isSet(a) !== isSet(b)) problem(isSet(a) ? b : a, `required with ${isSet(a) ? a : b}`);
  };
  const either = (a: string, b: string) => {
    if (isSet(a) && isSet(b)) problem(b, `set ${a} or ${b}, not both`);
  };

  for (const name of TLS_ONLY) if (isSet(name) && !c.KAFKA_SSL) problem(name, 'needs KAFKA_SSL=true');
  if (c.KAFKA_SSL_VERIFY_HOSTNAME === false && !c.KAFKA_SSL) problem('KAFKA_SSL_VERIFY_HOSTNAME', 'needs KAFKA_SSL=true');
  pair('KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE');
  either('KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE');
  const mechanism = c.KAFKA_SASL_MECHANISM;
  const token = 'KAFKA_SASL_OAUTHBEARER_TOKEN_FILE';
  if (mechanism === undefined) {
    for (const name of SASL_CREDENTIALS) if (isSet(name)) problem(name, 'needs KAFKA_SASL_MECHANISM');
  } else if (mechanism === 'oauthbearer') {
    if (!isSet(token)) problem(token, 'required with KAFKA_SASL_MECHANISM=oauthbearer');
    for (const name of SASL_CREDENTIALS) if (name !== token && isSet(name)) problem(name, 'not used with KAFKA_SASL_MECHANISM=oauthbearer');
  } else {
    const withMechanism = `with KAFKA_SASL_MECHANISM=${String(mechanism)}`;
    if (!isSet('KAFKA_SASL_USERNAME')) problem('KAFKA_SASL_USERNAME', `required ${withMechanism}`);
    if (!isSet('KAFKA_SASL_PASSWORD') && !isSet('KAFKA_SASL_PASSWORD_FILE'))
      problem('KAFKA_SASL_PASSWORD', `required (or KAFKA_SASL_PASSWORD_FILE) ${withMechanism}`);
    if (isSet(token)) problem(token, `not used ${withMechanism}`);
  }

  either('CLICKHOUSE_PASSWORD', 'CLICKHOUSE_PASSWORD_FILE');
  const https = typeof c.CLICKHOUSE_URL === 'string' && c.CLICKHOUSE_URL.startsWith('https:');
  for (const name of ['CLICKHOUSE_CA_FILE', 'CLICKHOUSE_CERT_FILE', 'CLICKHOUSE_KEY_FILE'])
    if (isSet(name) && !https) problem(name, 'needs an https:// CLICKHOUSE_URL');
  pair('CLICKHOUSE_CERT_FILE', 'CLICKHOUSE_KEY_FILE');
  if (c.CLICKHOUSE_LAYOUT === 'cluster' && !isSet('CLICKHOUSE_URL'))
    problem('CLICKHOUSE_LAYOUT', 'cluster needs a ClickHouse server (CLICKHOUSE_URL): chDB runs one node');
  pair('ZTNA_TLS_CERT_FILE', 'ZTNA_TLS_KEY_FILE');
  // @clickhouse/client takes a client certificate only together with the CA it trusts.
  if (isSet('CLICKHOUSE_CERT_FILE') && !isSet('CLICKHOUSE_CA_FILE')) problem('CLICKHOUSE_CA_FILE', 'required with CLICKHOUSE_CERT_FILE');
}

/** The OIDC settings that need the issuer, and the audience it needs. */
function checkOidcSettings(c: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const problem = (name: string, message: string) => ctx.addIssue({ code: 'custom', path: [name], message });
  if (c.ZTNA_OIDC_ISSUER === undefined) {
    for (const name of ['ZTNA_OIDC_AUDIENCE', 'ZTNA_OIDC_JWKS_URL']) if (c[name] !== undefined) problem(name, 'needs ZTNA_OIDC_ISSUER');
  } else if (c.ZTNA_OIDC_AUDIENCE === undefined) problem('ZTNA_OIDC_AUDIENCE', 'required with ZTNA_OIDC_ISSUER');
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty variables mean "not set", as in docker compose files with `FOO=`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.superRefine(checkConnectionSettings).superRefine(checkOidcSettings).safeParse(present);
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
    serviceCredential: {
      ...DEFAULT_SERVICE_CREDENTIAL,
      maxKeys: config.ZTNA_SCORER_MAX_KEYS,
      learnEvents: config.ZTNA_SERVICE_LEARN_EVENTS,
      learnHoursDays: config.ZTNA_SERVICE_LEARN_DAYS,
    },
  };
}

/** A secret given as a value or as a file (a mounted Kubernetes or Docker secret), whose final newline is not part of it. */
function secret(value: string | undefined, file: string | undefined): string | undefined {
  return file === undefined ? value : readFileSync(file, 'utf8').replace(/\r?\n$/, '');
}

const readOptional = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file));

/** How to reach Kafka: brokers, TLS and SASL, with the files read now (at start-up). */
export function kafkaClientSettings(config: Config, brokers: string[], clientId = config.KAFKA_CLIENT_ID): KafkaClientSettings {
  return {
    brokers,
    clientId,
    tls: config.KAFKA_SSL
      ? {
          ca: readOptional(config.KAFKA_SSL_CA_FILE),
          cert: readOptional(config.KAFKA_SSL_CERT_FILE),
          key: readOptional(config.KAFKA_SSL_KEY_FILE),
          verifyHostname: config.KAFKA_SSL_VERIFY_HOSTNAME,
        }
      : undefined,
    sasl: kafkaSasl(config),
  };
}

/** The schema's rules guarantee the credentials each mechanism needs. */
function kafkaSasl(config: Config): KafkaSaslSettings | undefined {
  const mechanism = config.KAFKA_SASL_MECHANISM;
  if (mechanism === undefined) return undefined;
  if (mechanism === 'oauthbearer') return { mechanism, tokenFile: config.KAFKA_SASL_OAUTHBEARER_TOKEN_FILE ?? '' };
  return {
    mechanism,
    username: config.KAFKA_SASL_USERNAME ?? '',
    password: secret(config.KAFKA_SASL_PASSWORD, config.KAFKA_SASL_PASSWORD_FILE) ?? '',
  };
}

/** How the store's tables are made: the retention and the layout. */
export function migrateOptions(config: Config): MigrateOptions {
  return { retentionDays: config.ZTNA_RETENTION_DAYS, layout: config.CLICKHOUSE_LAYOUT };
}

/** Where the store is: a ClickHouse server when its URL is set, else chDB under the data directory. */
export function storeOptions(config: Config): { dataDir: string; clickhouse: ClickHouseServerOptions | undefined } {
  return {
    dataDir: config.ZTNA_DATA_DIR,
    clickhouse: config.CLICKHOUSE_URL
      ? {
          url: config.CLICKHOUSE_URL,
          username: config.CLICKHOUSE_USER,
          password: secret(config.CLICKHOUSE_PASSWORD, config.CLICKHOUSE_PASSWORD_FILE),
          database: config.CLICKHOUSE_DATABASE,
          tls: config.CLICKHOUSE_CA_FILE
            ? {
                ca: readFileSync(config.CLICKHOUSE_CA_FILE),
                cert: readOptional(config.CLICKHOUSE_CERT_FILE),
                key: readOptional(config.CLICKHOUSE_KEY_FILE),
              }
            : undefined,
          requestTimeoutMs: config.CLICKHOUSE_REQUEST_TIMEOUT_MS,
          compression: config.CLICKHOUSE_COMPRESSION,
        }
      : undefined,
  };
}

/**
 * The HTTP API's certificate and key, read now, when it is to answer https. Checked as a pair
 * here, before anything is opened: a key of another certificate is a configuration error.
 */
export function httpsOptions(config: Config): { cert: Buffer; key: Buffer } | undefined {
  if (config.ZTNA_TLS_CERT_FILE === undefined || config.ZTNA_TLS_KEY_FILE === undefined) return undefined;
  const pair = { cert: readFileSync(config.ZTNA_TLS_CERT_FILE), key: readFileSync(config.ZTNA_TLS_KEY_FILE) };
  try {
    createSecureContext(pair);
  } catch (err) {
    const reason = (err as Error).message.replace(/^error:\w+:/, '');
    throw new ConfigError(
      `invalid configuration:\n  ZTNA_TLS_KEY_FILE: not the PEM key of ZTNA_TLS_CERT_FILE's PEM certificate (${reason})`,
    );
  }
  return pair;
}

/** How bearer tokens of the configured OIDC issuer are verified and mapped, or undefined without an issuer. */
export function oidcSettings(config: Config): OidcSettings | undefined {
  if (config.ZTNA_OIDC_ISSUER === undefined) return undefined;
  return {
    issuer: config.ZTNA_OIDC_ISSUER,
    audience: config.ZTNA_OIDC_AUDIENCE ?? [],
    jwksUrl: config.ZTNA_OIDC_JWKS_URL,
    algorithms: config.ZTNA_OIDC_ALGORITHMS,
    clockSkewSeconds: config.ZTNA_OIDC_CLOCK_SKEW_SECONDS,
    jwksMaxAgeMs: config.ZTNA_OIDC_JWKS_MAX_AGE_SECONDS * 1000,
    jwksCooldownMs: config.ZTNA_OIDC_JWKS_COOLDOWN_SECONDS * 1000,
    mapping: {
      groupsClaim: config.ZTNA_OIDC_GROUPS_CLAIM,
      groupPattern: new RegExp(config.ZTNA_OIDC_GROUP_PATTERN),
      nameClaim: config.ZTNA_OIDC_NAME_CLAIM,
    },
  };
}

/** How the doors that read fast (Kafka, files) gather records into batches. */
export function batchingSettings(config: Config): BatchingSettings {
  return { maxRecords: config.ZTNA_BATCH_MAX_RECORDS, maxBytes: config.ZTNA_BATCH_MAX_BYTES, lingerMs: config.ZTNA_BATCH_LINGER_MS };
}
