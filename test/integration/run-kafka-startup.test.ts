// `ztna run` with Kafka away at start-up, on the real broker: the service waits for it (one log
// line per attempt, /readyz naming the broker), consumes as soon as it is reachable, and a clean
// stop leaves the consumer group at once, so a planned restart takes the partitions back without
// waiting out the session timeout. The broker is "away" behind a TCP forwarder that is not
// listening yet; once it listens, it forwards to the real broker.
import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tempDir } from '../support/helpers.js';
import { freePort } from '../support/services/ports.js';
import { connectClients, startConsumer, stopGracefully, uniqueTopics, waitCaughtUp, type TestClients } from '../support/kafkaConsumer.js';
import { waitFor } from '../support/wait.js';

const brokers = inject('kafkaBrokers');

/** Listens on 127.0.0.1:port and forwards every connection to the real broker. */
function forwardToBroker(port: number): Promise<Server> {
  const [host, brokerPort] = brokers.split(':') as [string, string];
  const server = createServer((client) => {
    const upstream = connect({ host, port: Number(brokerPort) });
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

const readyz = async (http: string) => {
  const res = await fetch(`${http}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; down?: Record<string, string> } };
};

describe('ztna run, Kafka away at start-up', () => {
  let clients: TestClients;
  beforeAll(async () => {
    clients = await connectClients(brokers);
  });
  afterAll(async () => clients?.disconnect());

  it('waits for the broker, consumes once it is reachable, and leaves the group on a clean stop', async () => {
    const { admin, producer } = clients;
    const forwarderPort = await freePort(); // nothing listens there yet
    const http = `http://127.0.0.1:${await freePort()}`;
    const topics = uniqueTopics();
    const group = `startup-${randomUUID().slice(0, 8)}`;
    const consumer = startConsumer(`127.0.0.1:${forwarderPort}`, topics, tempDir('run-kafka-startup'), group, {
      ZTNA_HTTP_PORT: new URL(http).port,
      LOG_LEVEL: 'info',
    });
    let forwarder: Server | undefined;
    try {
      await waitFor('a failed Kafka attempt', async () => consumer.stderr().includes('kafka: cannot start consuming (attempt 1)'), 60_000);
      const waiting = await readyz(http);
      expect(waiting.status).toBe(503);
      expect(waiting.body.down?.kafka).toMatch(new RegExp(`^cannot reach broker 127\\.0\\.0\\.1:${forwarderPort} \\(since `));

      forwarder = await forwardToBroker(forwarderPort);
      await waitFor('consuming', async () => consumer.stdout().includes('ztna: consuming'), 60_000);
      await waitFor('ready', async () => (await readyz(http)).status === 200, 60_000);
      const event = {
        kind: 'auth',
        tenant: 'acme',
        emitter_id: 'idp-1',
        time: '2026-11-20T10:00:00.000Z',
        principal_id: 'ann@acme.example',
        outcome: 'success',
      };
      await producer.send({ topic: topics.auth, acks: -1, messages: [{ value: JSON.stringify(event) }] });
      await waitCaughtUp(admin, group, [topics.auth], consumer);

      expect(await stopGracefully(consumer)).toContain('ztna: stopped cleanly · 1 read · 1 stored');
      // Left, not merely gone: the group is empty right away, not once the session expires.
      const [described] = (await admin.describeGroups([group])).groups;
      expect(described).toMatchObject({ groupId: group, state: 'Empty', members: [] });
    } finally {
      consumer.child.kill('SIGKILL');
      await new Promise((resolve) => (forwarder ? forwarder.close(resolve) : resolve(undefined)));
    }
  });

  it('a SIGTERM while the broker is away stops cleanly, with exit code 0', async () => {
    const consumer = startConsumer(
      `127.0.0.1:${await freePort()}`,
      uniqueTopics(),
      tempDir('run-kafka-away'),
      `away-${randomUUID().slice(0, 8)}`,
      { ZTNA_HTTP_PORT: String(await freePort()), LOG_LEVEL: 'info' },
    );
    try {
      await waitFor('a failed Kafka attempt', async () => consumer.stderr().includes('kafka: cannot start consuming (attempt 1)'), 60_000);
      expect(await stopGracefully(consumer)).toContain('ztna: stopped cleanly · 0 read');
    } finally {
      consumer.child.kill('SIGKILL');
    }
  });
});
