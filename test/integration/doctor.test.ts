// `ztna doctor` against real systems: the test broker (Kafka 3.9), the embedded chDB store and
// Debian's Prometheus. Healthy, it lists versions, migrations and topics and exits 0; with Kafka
// at a closed port it names Kafka and exits non-zero, in seconds.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrations } from '../../src/store/sql.js';
import { HMAC_KEY, runCli, tempDir } from '../support/helpers.js';
import { startKafkaBroker, type KafkaBroker } from '../support/services/kafka.js';
import { startPrometheus, type RunningService } from '../support/services/prometheus.js';
import { freePort } from '../support/services/ports.js';

const brokers = inject('kafkaBrokers');
const suffix = randomUUID().slice(0, 8);
const topics = {
  ZTNA_TOPIC_AUTH: `doctor.auth.${suffix}`,
  ZTNA_TOPIC_POLICY: `doctor.policy.${suffix}`,
  ZTNA_TOPIC_POSTURE: `doctor.posture.${suffix}`,
  ZTNA_TOPIC_TOKEN: `doctor.token.${suffix}`,
  ZTNA_TOPIC_DEADLETTER: `doctor.deadletter.${suffix}`,
  ZTNA_TOPIC_ANOMALIES: `doctor.anomalies.${suffix}`,
};
// Created with their own partition counts, so the output shows each; the anomalies topic is left missing.
const created = [
  { topic: topics.ZTNA_TOPIC_AUTH, numPartitions: 3 },
  { topic: topics.ZTNA_TOPIC_POLICY, numPartitions: 2 },
  { topic: topics.ZTNA_TOPIC_POSTURE, numPartitions: 1 },
  { topic: topics.ZTNA_TOPIC_TOKEN, numPartitions: 1 },
  { topic: topics.ZTNA_TOPIC_DEADLETTER, numPartitions: 1 },
];

describe('ztna doctor', () => {
  const dataDir = tempDir('doctor');
  const env = { ZTNA_DATA_DIR: dataDir, ZTNA_HMAC_KEY: HMAC_KEY, ...topics };
  let prometheus: RunningService;

  beforeAll(async () => {
    const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: created });
    await admin.disconnect();
    const migrated = await runCli(['migrate'], { env });
    expect(migrated.code, migrated.stderr).toBe(0);
    prometheus = await startPrometheus(tempDir('doctor-prometheus'), {
      scrapeTarget: `127.0.0.1:${await freePort()}`,
      alertmanager: `127.0.0.1:${await freePort()}`,
      ruleFiles: [],
      intervalSeconds: 15,
    });
  });
  afterAll(async () => prometheus?.stop());

  it('lists the versions, the migrations and the topics of a healthy setup, and exits 0', async () => {
    const r = await runCli(['doctor'], { env: { ...env, KAFKA_BROKERS: brokers, ZTNA_PROMETHEUS_URL: prometheus.url } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // The test broker is Kafka 3.9.1 (test/support/services/kafka-broker.pom.xml), the store chDB's 26.7, Prometheus Debian's 2.42.
    expect(r.stdout).toContain(`Kafka (${brokers}): ok\n  version 3.9, supported 3.0, before 4.0 (tested 3.9)`);
    expect(r.stdout).toMatch(/ClickHouse \(chdb at .+\): ok\n {2}version 26\.7\.[\d.]+, supported 25\.4 or later \(tested 26\.7\)/);
    const all = migrations().length;
    expect(all).toBeGreaterThanOrEqual(14);
    expect(r.stdout).toContain(`migrations: ${all} of ${all} applied`);
    expect(r.stdout).toMatch(/Prometheus \(http:\/\/127\.0\.0\.1:\d+\): ok\n {2}version 2\.42\.\d+/);
    for (const { topic, numPartitions } of created) expect(r.stdout).toContain(`${topic} (${numPartitions} partitions)`);
    expect(r.stdout).toContain(`missing topics: ${topics.ZTNA_TOPIC_ANOMALIES} (ztna run creates them, 3 partitions each)`);
    expect(r.stdout).toContain('everything checked is fine');
  });

  it('says a missing topic is a problem when ztna run may not create it', async () => {
    const r = await runCli(['doctor'], { env: { ...env, KAFKA_BROKERS: brokers, ZTNA_KAFKA_CREATE_PARTITIONS: '0' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`- Kafka: missing topics: ${topics.ZTNA_TOPIC_ANOMALIES}; ZTNA_KAFKA_CREATE_PARTITIONS=0`);
  });

  it('names Kafka and exits non-zero when the brokers are at a wrong address', async () => {
    const closed = await freePort();
    const r = await runCli(['doctor'], { env: { ...env, KAFKA_BROKERS: `127.0.0.1:${closed}` } });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain(`Kafka (127.0.0.1:${closed}): PROBLEM`);
    expect(r.stdout).toContain(
      `1 problem(s):\n  - Kafka: cannot reach any Kafka broker of KAFKA_BROKERS (127.0.0.1:${closed}: ECONNREFUSED)`,
    );
    // The store is still checked, and is fine.
    expect(r.stdout).toMatch(/ClickHouse \(chdb at .+\): ok/);
  });

  it('names Prometheus when its URL answers nothing', async () => {
    const closed = await freePort();
    const r = await runCli(['doctor'], { env: { ...env, ZTNA_PROMETHEUS_URL: `http://127.0.0.1:${closed}` } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`- Prometheus: cannot reach Prometheus: ECONNREFUSED`);
  });
});

describe('ztna doctor on a SASL_SSL listener', () => {
  const env = { ZTNA_DATA_DIR: tempDir('doctor-secured'), ZTNA_HMAC_KEY: HMAC_KEY };
  let broker: KafkaBroker;
  beforeAll(async () => {
    broker = await startKafkaBroker({ secured: true });
  });
  afterAll(async () => broker?.stop());

  /** SCRAM-SHA-512 over TLS trusting the test CA, as the service connects; the password is each case's. */
  const scram = (password: string) => ({
    KAFKA_BROKERS: broker.secured!.saslSsl,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: broker.secured!.caFile,
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: broker.secured!.scram.username,
    KAFKA_SASL_PASSWORD: password,
  });

  it('connects with the settings the service uses and reads the version and topics', async () => {
    const r = await runCli(['doctor'], { env: { ...env, ...scram(broker.secured!.scram.password) } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`Kafka (${broker.secured!.saslSsl}): ok\n  version 3.9,`);
    expect(r.stdout).toContain('missing topics: ztna.auth, ztna.policy');
  });

  it('tells refused credentials from a broker that is away, and never prints the password', async () => {
    const password = `wrong-${randomUUID()}`;
    const r = await runCli(['doctor'], { env: { ...env, ...scram(password) } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('- Kafka: the brokers answered, but listing the topics failed: the brokers refused the SASL authentication');
    expect(r.stdout + r.stderr).not.toContain(password);
  });
});
