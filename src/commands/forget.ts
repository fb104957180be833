// `ztna forget --principal P [--tenant T]`: erasure of one person's records. Every running replica
// is told to forget the principal's scorer state (the control topic), then the store loses their
// events of every kind, the rollups that name them, their anomalies (and their part of others'
// evidence) and the dead letters that name them (sql/erase/, each a count and a mutation that is
// waited for), and the erasure itself is recorded as an audit event that names them by HMAC only.
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import type { Kafka } from 'kafkajs';
import { kafkaClientSettings, requireSharedHmacKey, storeOptions, type Config } from '../config.js';
import { normalizeRecord } from '../events/index.js';
import { resolveHmacKey } from '../hmacKey.js';
import { ensureTopics, kafkaClient } from '../kafka/client.js';
import { createLogger } from '../log.js';
import { forgetPrincipalRecord, principalFingerprint, type ForgetPrincipalMessage } from '../pipeline/control.js';
import { EVENTS_TABLE, migrate, openStore, type Store } from '../store/index.js';
import { sqlFile, statements } from '../store/sql.js';
import { UsageError } from './usage.js';

/** sql/erase/NAME.sql, in the order they run: the anomalies about the principal go before their evidence is cut from the rest. */
export const ERASE_STEPS = [
  'events',
  'principal_hour',
  'subject_hour',
  'principal_app_day',
  'denial_minute',
  'denial_minute_sealed', // after the rollup: a seal pass in between finds no rows of theirs to seal again
  'anomalies_subject',
  'anomalies_evidence',
  'rejected_events',
] as const;
export type EraseStep = (typeof ERASE_STEPS)[number];

export interface ErasureRequest {
  principal: string;
  /** Only this tenant's records; every tenant's when undefined. */
  tenant?: string | undefined;
}

/** What a principal id is made of, for the dead letters' match: letters, digits and `._@+-`. */
const ID_CHARS = '\\pL\\pN._@+-';

/**
 * The principal as a whole word in a dead letter's text, case-insensitive: not inside a longer id
 * (`ann` does not match `joann@x`). RE2 syntax, bound as a parameter.
 */
export function deadLetterPattern(principal: string): string {
  const id = principal.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  return `(?i)(?:^|[^${ID_CHARS}])${id}(?:[^${ID_CHARS}]|$)`;
}

/** Runs each erase step; per step, the rows it deleted (or, for anomalies_evidence, rewrote). */
export async function eraseFromStore(store: Store, request: ErasureRequest): Promise<Record<EraseStep, number>> {
  const params = { principal: request.principal, tenant: request.tenant ?? '', pattern: deadLetterPattern(request.principal) };
  const counts = {} as Record<EraseStep, number>;
  for (const step of ERASE_STEPS) {
    const [count, ...mutations] = statements(sqlFile(`erase/${step}.sql`));
    const [row] = await store.query<{ n: string | number }>(count!, params);
    counts[step] = Number(row?.n ?? 0);
    if (counts[step] > 0) for (const mutation of mutations) await store.command(mutation, params);
  }
  return counts;
}

/** Tells every running replica to forget the principal's scorer state; resolves when the broker has the message. */
export async function publishForget(kafka: Kafka, topic: string, partitions: number, message: ForgetPrincipalMessage): Promise<void> {
  await ensureTopics(kafka, [topic], partitions);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [forgetPrincipalRecord(message)] });
  } finally {
    await producer.disconnect();
  }
}

export interface ErasureAudit {
  erasureId: string;
  principalHmac: string;
  tenant: string | undefined;
  /** Who asked for it. */
  by: string;
  deleted: Record<EraseStep, number>;
  time: Date;
}

/**
 * The erasure as an audit event: a policy decision of the `ztna/erasure` policy by whoever asked,
 * stored like every access event (the same normalizer and schema), so a trail shows it. The
 * erased principal appears only as their HMAC: whoever holds the key and the name can check
 * that this person was erased, and no one can read the name from it.
 */
export function erasureAuditRecord(audit: ErasureAudit, defaultTenant: string): Record<string, unknown> {
  const deleted = Object.entries(audit.deleted).map(([step, n]) => `${step} ${n}`);
  return {
    kind: 'policy',
    time: audit.time.toISOString(),
    tenant: audit.tenant ?? defaultTenant,
    source: 'ztna-cli',
    emitter_id: 'ztna-cli',
    correlation_id: audit.erasureId,
    principal_id: audit.by,
    principal_type: 'user',
    app: 'ztna',
    decision: 'allow',
    policy_id: 'ztna/erasure',
    rule: `tenant:${audit.tenant ?? '*'}`,
    action: 'forget-principal',
    reasons: [`erased principal ${audit.principalHmac}`, `rows: ${deleted.join(', ')}`],
    enforcement_point: 'ztna-cli',
  };
}

export async function recordErasure(store: Store, audit: ErasureAudit, hmacKey: Buffer, defaultTenant: string): Promise<void> {
  const outcome = normalizeRecord(JSON.stringify(erasureAuditRecord(audit, defaultTenant)), {
    source: 'native',
    hmacKey,
    defaultTenant,
    maxBytes: 1 << 20,
    observedTime: new Date().toISOString(),
  });
  if (outcome.status !== 'normalized') throw new Error(`the erasure's audit event is not valid: ${JSON.stringify(outcome)}`);
  await store.insert(EVENTS_TABLE, [outcome.event]);
}

export interface ForgetDeps {
  store: Store;
  hmacKey: Buffer;
  defaultTenant: string;
  /** The control topic, when the service runs on Kafka; without it, restarting the service drops its state. */
  control?: { kafka: Kafka; topic: string; partitions: number } | undefined;
  by: string;
}

export interface ForgetSummary {
  erasure_id: string;
  principal_hmac: string;
  tenant: string | null;
  deleted: Record<EraseStep, number>;
  /** Where the replicas were told, or why not. */
  scorer_state: string;
}

export async function forget(request: ErasureRequest, deps: ForgetDeps): Promise<ForgetSummary> {
  const message: ForgetPrincipalMessage = {
    type: 'forget-principal',
    erasure_id: randomUUID(),
    principal_hmac: principalFingerprint(deps.hmacKey, request.principal),
    tenant: request.tenant ?? null,
  };
  // The replicas first: an anomaly they raise from the principal's state meanwhile is still in the store's reach.
  if (deps.control) await publishForget(deps.control.kafka, deps.control.topic, deps.control.partitions, message);
  const deleted = await eraseFromStore(deps.store, request);
  const audit = {
    erasureId: message.erasure_id,
    principalHmac: message.principal_hmac,
    tenant: request.tenant,
    by: deps.by,
    deleted,
    time: new Date(),
  };
  await recordErasure(deps.store, audit, deps.hmacKey, deps.defaultTenant);
  return {
    erasure_id: message.erasure_id,
    principal_hmac: message.principal_hmac,
    tenant: message.tenant,
    deleted,
    scorer_state: deps.control
      ? `sent to ${deps.control.topic}: every running replica forgets it`
      : 'no KAFKA_BROKERS: a running service still holds it in memory until it restarts',
  };
}

/** `ztna forget --principal P [--tenant T] [--by NAME]`: erases, prints a JSON summary on stdout. */
export async function forgetCli(args: readonly string[], config: Config): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { principal: { type: 'string' }, tenant: { type: 'string' }, by: { type: 'string' } },
  });
  if (!values.principal) throw new UsageError('ztna forget: --principal is required');
  requireSharedHmacKey(config);
  const hmacKey = resolveHmacKey(config.ZTNA_HMAC_KEY, config.ZTNA_DATA_DIR);
  const store = openStore(storeOptions(config));
  try {
    await migrate(store, { retentionDays: config.ZTNA_RETENTION_DAYS });
    const brokers = config.KAFKA_BROKERS;
    const summary = await forget(
      { principal: values.principal, tenant: values.tenant },
      {
        store,
        hmacKey,
        defaultTenant: config.ZTNA_DEFAULT_TENANT,
        by: values.by ?? userInfo().username,
        control: brokers && {
          kafka: kafkaClient(kafkaClientSettings(config, brokers), createLogger(config.LOG_LEVEL)),
          topic: config.ZTNA_TOPIC_CONTROL,
          partitions: config.ZTNA_KAFKA_CREATE_PARTITIONS,
        },
      },
    );
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
