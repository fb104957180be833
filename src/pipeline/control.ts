// The control topic (ZTNA_TOPIC_CONTROL, default `ztna.control`): what every running replica must
// do besides ingesting. One message today: forget a principal (`ztna forget`), so that no scorer
// keeps state of them. The message names the principal by HMAC only, never in clear: the topic is
// retained, and the replicas share the HMAC key, so each matches its own state against it.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { z } from 'zod';
import { tokenFingerprint } from '../events/index.js';
import { restartAfterCrash } from './restartAfterCrash.js';

export const forgetPrincipalMessage = z.object({
  type: z.literal('forget-principal'),
  erasure_id: z.string().min(1),
  principal_hmac: z.string().regex(/^hmac:[0-9a-f]{40}$/),
  /** The tenant erased, or null for every tenant. */
  tenant: z.string().min(1).nullable(),
});
export type ForgetPrincipalMessage = z.infer<typeof forgetPrincipalMessage>;

/** Which principal: true for the principal's id within the tenants erased. */
export type PrincipalMatch = (principal: string, tenant: string) => boolean;

/** What holds state per principal (the anomaly processor's scorers). */
export interface PrincipalStateHolder {
  /** Forgets the principal's state; how many entries went. */
  forgetPrincipal(matches: PrincipalMatch): number;
}

/** A principal's fingerprint: HMAC-SHA256 with ZTNA_HMAC_KEY, as token values are fingerprinted. */
export const principalFingerprint = (hmacKey: Buffer, principal: string): string => tokenFingerprint(hmacKey, principal);

/** The control record for a forget: keyed by the fingerprint, so one principal's erasures stay in order. */
export function forgetPrincipalRecord(message: ForgetPrincipalMessage): { key: string; value: string } {
  return { key: message.principal_hmac, value: JSON.stringify(forgetPrincipalMessage.parse(message)) };
}

/** Matches a principal id by its fingerprint (each id hashed once per message, however often its state is visited). */
export function principalMatcher(message: ForgetPrincipalMessage, hmacKey: Buffer): PrincipalMatch {
  const seen = new Map<string, boolean>();
  return (principal, tenant) => {
    if (message.tenant !== null && tenant !== message.tenant) return false;
    let match = seen.get(principal);
    if (match === undefined) seen.set(principal, (match = principalFingerprint(hmacKey, principal) === message.principal_hmac));
    return match;
  };
}

/** Applies one control record to the holders: the message, and how many state entries went; undefined for a record it cannot read. */
export function applyControlRecord(
  value: Buffer | null,
  holders: readonly PrincipalStateHolder[],
  hmacKey: Buffer,
): { message: ForgetPrincipalMessage; forgotten: number } | undefined {
  let parsed: ReturnType<typeof forgetPrincipalMessage.safeParse>;
  try {
    parsed = forgetPrincipalMessage.safeParse(JSON.parse(value?.toString() ?? ''));
  } catch {
    return undefined;
  }
  if (!parsed.success) return undefined;
  const matches = principalMatcher(parsed.data, hmacKey);
  return { message: parsed.data, forgotten: holders.reduce((sum, h) => sum + h.forgetPrincipal(matches), 0) };
}

export interface ControlConsumerSettings {
  topic: string;
  /** The service's consumer group: each replica reads the topic in a group of its own under it. */
  groupId: string;
  /** As the source's (ZTNA_KAFKA_SESSION_TIMEOUT_MS): after a broker restart, the group is joined again as soon. */
  sessionTimeoutMs: number;
  /** Why a crash cannot be fixed by waiting (src/kafka's kafkaSetupFailure); other crashes start the consumer again. */
  fatal(err: unknown): string | undefined;
}

/**
 * Every replica reads every control record: a group of its own (a random suffix), from the
 * beginning of the topic, committing nothing. A replica started later applies what the topic
 * still holds; its state starts empty anyway (it lives in memory), so that only costs a look.
 */
export async function startControlConsumer(
  kafka: Kafka,
  settings: ControlConsumerSettings,
  holders: readonly PrincipalStateHolder[],
  hmacKey: Buffer,
  log: Logger,
): Promise<{ stop(): Promise<void> }> {
  const consumer = kafka.consumer({
    groupId: `${settings.groupId}.control.${randomUUID()}`,
    sessionTimeout: settings.sessionTimeoutMs,
    heartbeatInterval: Math.floor(settings.sessionTimeoutMs / 10),
  });
  const run = () =>
    consumer.run({
      autoCommit: false,
      eachMessage: async ({ message, partition, topic }) => {
        const applied = applyControlRecord(message.value, holders, hmacKey);
        if (!applied) log.warn({ topic, partition, offset: message.offset }, 'control: a record that is not a control message; skipped');
        else
          log.info(
            { erasure_id: applied.message.erasure_id, principal: applied.message.principal_hmac, forgotten: applied.forgotten },
            'control: forgot a principal',
          );
      },
    });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [settings.topic], fromBeginning: true });
    await run();
  } catch (err) {
    await consumer.disconnect();
    throw err;
  }
  const restarts = restartAfterCrash(consumer, {
    what: 'control topic',
    log,
    run,
    fatal: settings.fatal,
    onFatal: (reason) => log.error({ reason }, 'control topic: the consumer stopped; erasures reach the scorers again after a restart'),
  });
  return {
    stop: async () => {
      await restarts.stop();
      await consumer.disconnect();
    },
  };
}
