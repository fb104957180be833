// `ztna doctor`: connects to what the configuration names (Kafka, the ClickHouse store,
// Prometheus if set), prints each one's version against the supported range, the migrations,
// the topics, and what is wrong in plain words. Exit code 1 when anything is. The first thing to
// run when the stack does not come up.
import { kafkaClientSettings, kafkaTopics, storeOptions, type Config } from '../config.js';
import { checkKafka, checkPrometheus, checkStore, type CheckResult } from '../doctor/checks.js';
import { tlsOptions } from '../kafka/client.js';
import { createLogger } from '../log.js';
import { openStore } from '../store/index.js';

const notConfigured = (system: string, variable: string, meaning: string): CheckResult => ({
  name: `${system} (${variable} not set)`,
  found: [],
  problems: [],
  note: meaning,
});

/** Each check's deadline: a wrong address fails in seconds, not after the clients' own retries. */
export const DOCTOR_TIMEOUT_MS = 5000;

export async function doctorCommand(config: Config, write: (line: string) => void): Promise<number> {
  const results: CheckResult[] = [];
  if (config.KAFKA_BROKERS) {
    const settings = kafkaClientSettings(config, config.KAFKA_BROKERS);
    results.push(
      await checkKafka({
        settings,
        tls: settings.tls ? tlsOptions(settings.tls) : undefined,
        topics: [...Object.values(kafkaTopics(config)), config.ZTNA_TOPIC_DEADLETTER, config.ZTNA_TOPIC_ANOMALIES],
        createPartitions: config.ZTNA_KAFKA_CREATE_PARTITIONS,
        timeoutMs: DOCTOR_TIMEOUT_MS,
        // kafkajs's own complaints would repeat the problems below as JSON.
        log: createLogger('silent'),
      }),
    );
  } else results.push(notConfigured('Kafka', 'KAFKA_BROKERS', 'ztna run feeds the store from the built-in simulator'));

  const options = storeOptions(config);
  const store = openStore(
    options.clickhouse ? { ...options, clickhouse: { ...options.clickhouse, requestTimeoutMs: DOCTOR_TIMEOUT_MS } } : options,
  );
  try {
    results.push(await checkStore(store, config.CLICKHOUSE_LAYOUT, DOCTOR_TIMEOUT_MS));
  } finally {
    await store.close();
  }

  if (config.ZTNA_PROMETHEUS_URL) results.push(await checkPrometheus(config.ZTNA_PROMETHEUS_URL, DOCTOR_TIMEOUT_MS));
  else results.push(notConfigured('Prometheus', 'ZTNA_PROMETHEUS_URL', 'its version is not checked'));

  for (const r of results) {
    write(`${r.name}: ${r.problems.length > 0 ? 'PROBLEM' : r.found.length > 0 ? 'ok' : 'not configured'}`);
    if (r.note) write(`  ${r.note}`);
    for (const line of r.found) write(`  ${line}`);
    for (const line of r.problems) write(`  problem: ${line}`);
  }
  const problems = results.flatMap((r) => r.problems.map((p) => `${r.name.split(' ')[0]}: ${p}`));
  write(
    problems.length > 0 ? `${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}` : 'everything checked is fine',
  );
  return problems.length > 0 ? 1 : 0;
}
