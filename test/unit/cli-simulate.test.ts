// `ztna simulate` as a user runs it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { parseSimulateArgs } from '../../src/commands/simulate.js';
import { UsageError } from '../../src/commands/usage.js';
import type { Kind } from '../../src/events/index.js';
import { HMAC_KEY, runCli, tempDir } from '../support/helpers.js';
import { testKafka, uniqueTopics } from '../support/kafkaConsumer.js';
import { waitFor } from '../support/wait.js';

describe('ztna simulate', () => {
  it('writes N records, the same for the same seed and start, with their truth line for line', async () => {
    const dir = tempDir('sim');
    const args = ['simulate', '--events', '300', '--seed', '9', '--start', '2026-11-20T10:00:00Z', '--invalid-share', '0.05'];
    const a = await runCli([...args, '--truth', join(dir, 'truth.ndjson')]);
    const b = await runCli(args);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stderr.trim())).toEqual({ sent: 300 });
    const lines = a.stdout.trim().split('\n');
    expect(lines).toHaveLength(300);
    expect(b.stdout).toBe(a.stdout);
    const truth = readFileSync(join(dir, 'truth.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(truth).toHaveLength(300);
    expect(truth.filter((t) => t.type === 'invalid').length).toBeGreaterThan(3);
    expect(truth.find((t) => t.type === 'event').truth.time >= '2026-11-20T10:00:00.000Z').toBe(true);
  });

  it('sends each record to the topic of its kind with --to kafka, the same records as on stdout', async () => {
    const brokers = inject('kafkaBrokers');
    const topics = uniqueTopics();
    const args = ['simulate', '--events', '200', '--seed', '9', '--start', '2026-11-20T10:00:00Z'];
    const truthFile = join(tempDir('sim-kafka'), 'truth.ndjson');
    const onStdout = await runCli([...args, '--truth', truthFile]);
    const kinds = readFileSync(truthFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { truth: { kind: Kind } }).truth.kind);
    const topicOf = { auth: topics.auth, policy: topics.policy, posture: topics.posture, token: topics.token };
    const expected = new Map(
      onStdout.stdout
        .trim()
        .split('\n')
        .map((line, i) => [line, topicOf[kinds[i]!]]),
    );
    expect(expected.size).toBe(200);

    const env = {
      KAFKA_BROKERS: brokers,
      ZTNA_HMAC_KEY: HMAC_KEY,
      ZTNA_TOPIC_AUTH: topics.auth,
      ZTNA_TOPIC_POLICY: topics.policy,
      ZTNA_TOPIC_POSTURE: topics.posture,
      ZTNA_TOPIC_TOKEN: topics.token,
    };
    const sent = await runCli([...args, '--to', 'kafka'], { env });
    expect(sent.stderr.trim().split('\n').at(-1)).toBe('{"sent":200}');
    expect(sent.code).toBe(0);

    // Delivery is at least once (a producer retry may repeat a message): compare the distinct messages.
    const received = new Map<string, string>();
    const reader = testKafka(brokers).consumer({ groupId: `reader-${topics.auth}` });
    await reader.connect();
    try {
      await reader.subscribe({ topics: Object.values(topicOf), fromBeginning: true });
      await reader.run({ eachMessage: async ({ topic, message }) => void received.set(message.value!.toString(), topic) });
      await waitFor('the simulated records on Kafka', async () => received.size >= expected.size, 60_000);
    } finally {
      await reader.disconnect();
    }
    expect(received).toEqual(expected);
  });

  it('refuses a bad option with exit 2 and says which', async () => {
    const { code, stderr } = await runCli(['simulate', '--events', 'lots']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--events must be a number/);
  });
});

describe('ztna simulate arguments', () => {
  const START = Date.parse('2026-11-20T10:00:00Z');

  it('read every option, with the defaults for those left out', () => {
    expect(parseSimulateArgs(['--events', '50', '--start', '2026-11-20T10:00:00Z'])).toEqual({
      to: 'stdout',
      options: {
        seed: 1,
        start: START,
        events: 50,
        rate: undefined,
        invalidShare: 0,
        notAccessShare: 0,
        truthFile: undefined,
        labelsFile: undefined,
        scenarios: [],
      },
    });
    const { to, options } = parseSimulateArgs([
      '--to',
      'kafka',
      '--rate',
      '20',
      '--seed',
      '7',
      '--start',
      '2026-11-20T10:00:00Z',
      '--invalid-share',
      '0.1',
      '--not-access-share',
      '0.2',
      '--truth',
      't.ndjson',
      '--labels',
      'l.ndjson',
    ]);
    expect(to).toBe('kafka');
    expect(options).toMatchObject({
      seed: 7,
      events: undefined,
      rate: 20,
      invalidShare: 0.1,
      notAccessShare: 0.2,
      truthFile: 't.ndjson',
      labelsFile: 'l.ndjson',
    });
  });

  it('place each --scenario at its window, or one without a window at the default slot of its position', () => {
    const { options } = parseSimulateArgs([
      '--events',
      '1',
      '--start',
      '2026-11-20T10:00:00Z',
      '--scenario',
      'brute-force@1m+5m',
      '--scenario',
      'idp-outage',
    ]);
    expect(options.scenarios).toEqual([
      { name: 'brute-force', start: START + 60_000, end: START + 6 * 60_000 },
      // The second slot: 20 min + 1·25 min, for 12 min.
      { name: 'idp-outage', start: START + 45 * 60_000, end: START + 57 * 60_000 },
    ]);
  });

  it('refuse a bad option with a usage error that names it', () => {
    const refusal = (args: string[]) => {
      try {
        parseSimulateArgs(args);
      } catch (err) {
        return err instanceof UsageError ? err.message : `not a usage error: ${String(err)}`;
      }
      return 'accepted';
    };
    expect(refusal([])).toBe('give --events N, --rate R, or both');
    expect(refusal(['--events=-1'])).toBe(`--events must be a number from 0 to ${Number.MAX_SAFE_INTEGER}, got -1`);
    expect(refusal(['--rate', '0'])).toBe('--rate must be a number from 1 to 1000000, got 0');
    expect(refusal(['--events', '1', '--start', 'yesterday'])).toBe('--start must be an ISO 8601 time, got yesterday');
    expect(refusal(['--events', '1', '--to', 'file'])).toBe('--to must be stdout or kafka, got file');
    expect(refusal(['--events', '1', '--seed', 'x'])).toBe('--seed must be a number from 0 to 2147483648, got x');
    expect(refusal(['--events', '1', '--invalid-share', '2'])).toBe('--invalid-share must be a number from 0 to 1, got 2');
    expect(refusal(['--events', '1', '--scenario', 'ddos'])).toMatch(/^--scenario: unknown scenario ddos: one of idp-outage, /);
    expect(refusal(['--events', '1', '--scenario', 'idp-outage@5x+1m'])).toBe('--scenario: bad duration 5x: use 30s, 10m or 2h');
  });
});
