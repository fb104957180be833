// The kafkajs client built from settings (brokers, TLS, SASL), logging through pino, and topic
// creation: shared by the Kafka source, the sinks that produce (dead letters, anomalies), the
// readiness check and `ztna simulate --to kafka`, so each connects the same way.
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import './requestQueue.js';

export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'] as const;

export interface KafkaTlsSettings {
  /** PEM CA(s) to trust instead of the system's. */
  ca?: Buffer | undefined;
  /** PEM client certificate and key, for brokers that require client authentication. */
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  /** False skips the check that the certificate names the host; the chain is verified regardless. */
  verifyHostname: boolean;
}

export type KafkaSaslSettings =
  | { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string }
  /** The token is read from the file at every authentication, so whatever refreshes the file refreshes the token. */
  | { mechanism: 'oauthbearer'; tokenFile: string };

export interface KafkaClientSettings {
  brokers: string[];
  clientId: string;
  tls?: KafkaTlsSettings | undefined;
  sasl?: KafkaSaslSettings | undefined;
}

export function kafkaClient(settings: KafkaClientSettings, log: Logger): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    ssl: settings.tls ? tlsOptions(settings.tls) : false,
    ...(settings.sasl ? { sasl: saslOptions(settings.sasl) } : {}),
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

/** Node's TLS options for the brokers: kafkajs's connections and the readiness check use the same. */
export function tlsOptions(tls: KafkaTlsSettings): ConnectionOptions {
  return {
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
    ...(tls.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
  };
}

function saslOptions(sasl: KafkaSaslSettings): SASLOptions {
  if (sasl.mechanism !== 'oauthbearer') return sasl;
  const { tokenFile } = sasl;
  return { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: (await readFile(tokenFile, 'utf8')).trim() }) };
}

/**
 * TLS failures by Node's error code: OpenSSL's certificate verification results (an untrusted
 * issuer, a self-signed or expired certificate, another host's name) and TLS protocol errors
 * (`ERR_SSL_*`, `ERR_TLS_*`). The broker answers, but not as the settings expect it to.
 */
const TLS_FAILURE = /CERT|SELF_SIGNED|^UNABLE_TO_|INVALID_CA|HOSTNAME_MISMATCH|^ERR_SSL_|^ERR_TLS_/;

/** Kafka protocol errors of the SASL exchange (a mechanism the listener does not offer, say). */
const SASL_REFUSALS = new Set(['UNSUPPORTED_SASL_MECHANISM', 'SASL_AUTHENTICATION_FAILED', 'ILLEGAL_SASL_STATE']);

/**
 * Why connecting to Kafka cannot succeed by waiting, in plain words: the credentials or the
 * mechanism were refused, the user may not do what start-up needs (create or read a topic, join
 * the group), or the TLS handshake failed (an untrusted certificate, a certificate for another
 * name, a listener that does not speak TLS). Undefined for a failure
 * worth retrying (a broker away, a leader moving). The messages never hold a secret: kafkajs
 * names the mechanism, and Node the certificate problem.
 */
export function kafkaSetupFailure(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  // `type` is a Kafka protocol error's name (kafkajs's protocol errors and the per-topic ones of createTopics).
  const { code, type, errors } = err as { code?: unknown; type?: unknown; errors?: unknown };
  if (err.name === 'KafkaJSSASLAuthenticationError') return `the brokers refused the SASL authentication: ${err.message}`;
  if (typeof type === 'string' && SASL_REFUSALS.has(type)) return `the brokers refused the SASL authentication: ${err.message} (${type})`;
  if (typeof type === 'string' && type.endsWith('_AUTHORIZATION_FAILED')) return `the brokers refused access: ${err.message} (${type})`;
  if (typeof code === 'string' && TLS_FAILURE.test(code)) return `the TLS handshake with the broker failed: ${err.message} (${code})`;
  // Wrapped (kafkajs's retrier, the readiness probe) or aggregated (one error per topic).
  for (const inner of [err.cause, ...(Array.isArray(errors) ? errors : [])]) {
    const failure = kafkaSetupFailure(inner);
    if (failure) return failure;
  }
  return undefined;
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
