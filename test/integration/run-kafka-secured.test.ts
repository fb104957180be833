// `ztna run` (the built CLI) against the secured listeners of a real broker, started once for
// this file: SASL_SSL with SCRAM-SHA-512 (the shape of managed Kafka), OAUTHBEARER with a token
// file, and mutual TLS. A wrong password, an untrusted CA, a mechanism the broker does not
// offer and a user without ACLs each stop start-up with a clear message and a non-zero exit,
// and no output (logs at debug included) ever holds a password. The test's own clients use the plaintext listener.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/helpers.js';
import {
  connectClients,
  startConsumer,
  stopGracefully,
  uniqueTopics,
  waitCaughtUp,
  type TestClients,
  type TestTopics,
} from '../support/kafkaConsumer.js';
import { makeCa } from '../support/services/certificates.js';
import { startKafkaBroker, type KafkaBroker, type SecuredListeners } from '../support/services/kafka.js';

let broker: KafkaBroker;
let secured: SecuredListeners;
let clients: TestClients;

beforeAll(async () => {
  broker = await startKafkaBroker({ secured: true });
  secured = broker.secured!;
  clients = await connectClients(broker.brokers);
});
afterAll(async () => {
  await clients?.disconnect();
  await broker?.stop();
});

const event = (n: number) =>
  JSON.stringify({
    kind: 'auth',
    tenant: 'acme',
    emitter_id: 'idp-1',
    time: `2026-11-20T10:00:0${n}.000Z`,
    principal_id: `user${n}@acme.example`,
    outcome: 'success',
  });

/** TLS to the secured listeners, trusting the test CA. */
const tls = () => ({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: secured.caFile });
/** SCRAM-SHA-512 as the test user, over TLS; the password is each case's. */
const scram = () => ({ ...tls(), KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: secured.scram.username });

/** One event on the auth topic, sent through the plaintext listener. */
async function oneEvent(): Promise<TestTopics> {
  const topics = uniqueTopics();
  await clients.admin.createTopics({ waitForLeaders: true, topics: [{ topic: topics.auth }] });
  await clients.producer.send({ topic: topics.auth, acks: -1, messages: [{ value: event(1) }] });
  return topics;
}

/** `ztna run` on `listener` with `env` until it has committed every event, then stopped: its stdout. */
async function consumeAll(listener: string, topics: TestTopics, env: NodeJS.ProcessEnv): Promise<string> {
  const group = `secured-${randomUUID().slice(0, 8)}`;
  const consumer = startConsumer(listener, topics, tempDir('run-kafka-secured'), group, env);
  try {
    await waitCaughtUp(clients.admin, group, [topics.auth], consumer);
    return await stopGracefully(consumer);
  } finally {
    consumer.child.kill('SIGKILL');
  }
}

describe('ztna run on secured Kafka listeners', () => {
  it('produces (ztna simulate) and consumes through SASL_SSL with SCRAM-SHA-512, the password from a file, and stores every event', async () => {
    const topics = uniqueTopics();
    const passwordFile = join(tempDir('scram-password'), 'password');
    writeFileSync(passwordFile, `${secured.scram.password}\n`); // as `echo` or a mounted secret leaves it
    const env = { ...scram(), KAFKA_SASL_PASSWORD_FILE: passwordFile };
    const simulated = await runCli(['simulate', '--to', 'kafka', '--events', '300', '--seed', '5'], {
      env: {
        KAFKA_BROKERS: secured.saslSsl,
        ZTNA_TOPIC_AUTH: topics.auth,
        ZTNA_TOPIC_POLICY: topics.policy,
        ZTNA_TOPIC_POSTURE: topics.posture,
        ZTNA_TOPIC_TOKEN: topics.token,
        ...env,
      },
    });
    expect(simulated.code, simulated.stderr).toBe(0);
    const sent = (
      await Promise.all([topics.auth, topics.policy, topics.posture, topics.token].map((t) => clients.admin.fetchTopicOffsets(t)))
    )
      .flat()
      .reduce((sum, p) => sum + Number(p.high), 0);
    expect(sent).toBe(300);

    const group = `secured-${randomUUID().slice(0, 8)}`;
    const consumer = startConsumer(secured.saslSsl, topics, tempDir('run-kafka-scram'), group, { ...env, LOG_LEVEL: 'debug' });
    try {
      await waitCaughtUp(clients.admin, group, [topics.auth, topics.policy, topics.posture, topics.token], consumer);
      const http = /ztna: HTTP on (http:\/\/[\d.]+:\d+)/.exec(consumer.stdout())![1]!;
      const served = await Promise.all(['/metrics', '/readyz'].map(async (path) => (await fetch(`${http}${path}`)).text()));
      expect(served[0]).toContain('ztna_events_total');
      expect(await stopGracefully(consumer)).toContain('ztna: stopped cleanly · 300 read · 300 stored');
      expect([consumer.stdout(), consumer.stderr(), ...served].join('\n')).not.toContain(secured.scram.password);
    } finally {
      consumer.child.kill('SIGKILL');
    }
  });

  it('consumes through SASL_SSL with OAUTHBEARER, the token read from a file', async () => {
    const topics = await oneEvent();
    const now = Math.floor(Date.now() / 1000);
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    // An unsigned token: the broker's default validator accepts it, which is all this test needs of the broker.
    const tokenFile = join(tempDir('oauth-token'), 'token');
    writeFileSync(tokenFile, `${part({ alg: 'none' })}.${part({ sub: 'ztna', iat: now, exp: now + 3600 })}.\n`);
    const out = await consumeAll(secured.saslSsl, topics, {
      ...tls(),
      KAFKA_SASL_MECHANISM: 'oauthbearer',
      KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: tokenFile,
    });
    expect(out).toContain('ztna: stopped cleanly · 1 read · 1 stored');
  });

  it('consumes through mutual TLS with a client certificate', async () => {
    const topics = await oneEvent();
    const out = await consumeAll(secured.mutualTls, topics, {
      ...tls(),
      KAFKA_SSL_CERT_FILE: secured.clientCertFile,
      KAFKA_SSL_KEY_FILE: secured.clientKeyFile,
    });
    expect(out).toContain('ztna: stopped cleanly · 1 read · 1 stored');
  });

  const wrongPassword = `wrong-${randomUUID()}`;
  const refusals: { name: string; env: () => NodeJS.ProcessEnv; message: RegExp }[] = [
    {
      name: 'a wrong password',
      env: () => ({ ...scram(), KAFKA_SASL_PASSWORD: wrongPassword }),
      message: /ztna: start-up failed: kafka: the brokers refused the SASL authentication: .*SCRAM.*invalid credentials/,
    },
    {
      name: 'an untrusted CA',
      env: () => ({
        ...scram(),
        KAFKA_SASL_PASSWORD: secured.scram.password,
        KAFKA_SSL_CA_FILE: makeCa(tempDir('other-ca'), 'other-ca').certFile,
      }),
      message:
        /ztna: start-up failed: kafka: the TLS handshake with the broker failed: unable to verify the first certificate.*\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/,
    },
    {
      name: 'a mechanism the broker does not offer',
      env: () => ({ ...scram(), KAFKA_SASL_PASSWORD: secured.scram.password, KAFKA_SASL_MECHANISM: 'scram-sha-256' }),
      message:
        /ztna: start-up failed: kafka: the brokers refused the SASL authentication: The broker does not support the requested SASL mechanism \(UNSUPPORTED_SASL_MECHANISM\)/,
    },
    {
      name: 'a user granted nothing',
      env: () => ({ ...scram(), KAFKA_SASL_USERNAME: secured.unauthorized.username, KAFKA_SASL_PASSWORD: secured.unauthorized.password }),
      message: /ztna: start-up failed: kafka: the brokers refused access: .*\(\w+_AUTHORIZATION_FAILED\)/,
    },
  ];
  for (const refusal of refusals) {
    it(`stops start-up with ${refusal.name}: a clear message, exit code 1, no password in the output`, async () => {
      const consumer = startConsumer(secured.saslSsl, uniqueTopics(), tempDir('run-kafka-refused'), `refused-${randomUUID().slice(0, 8)}`, {
        ...refusal.env(),
        LOG_LEVEL: 'debug',
      });
      try {
        // Bounded, so that a start-up that waits instead of failing ends the test (and the process) too.
        const exited = await Promise.race([
          consumer.exited,
          new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 60_000)),
        ]);
        expect(consumer.stderr()).toMatch(refusal.message);
        expect(exited?.code).toBe(1);
        const output = consumer.stdout() + consumer.stderr();
        expect(output).not.toContain(secured.scram.password);
        expect(output).not.toContain(wrongPassword);
        expect(output).not.toContain(secured.unauthorized.password);
      } finally {
        consumer.child.kill('SIGKILL');
      }
    });
  }
});
