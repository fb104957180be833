// npm run bench:ingest [-- --events N]
// N simulated events (default 1,000,000) through a real Kafka broker → `ztna run` (normalize,
// chDB) and prints end-to-end events/s and the consumer's peak RSS. Figures, not assertions.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startKafkaBroker } from '../test/support/services/kafka.js';
import { CLI, tempDir } from '../test/support/helpers.js';
import { progress, startConsumer, stopGracefully, testKafka, uniqueTopics, waitCaughtUp } from '../test/support/kafkaConsumer.js';
import { ChdbStore } from '../src/store/index.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, partitions: { type: 'string', default: '3' } } });
const events = Number(values.events);
const partitions = Number(values.partitions);

const peakRssMiB = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

const broker = await startKafkaBroker();
try {
  const topics = uniqueTopics();
  const kafka = testKafka(broker.brokers);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: Object.values(topics).map((topic) => ({ topic, numPartitions: partitions })) });

  let t = Date.now();
  const produced = spawnSync(process.execPath, [CLI, 'simulate', '--to', 'kafka', '--events', String(events), '--seed', '1', '--start', '2026-11-20T00:00:00Z', '--invalid-share', '0.001'], {
    env: {
      ...process.env,
      KAFKA_BROKERS: broker.brokers,
      ZTNA_TOPIC_AUTH: topics.auth,
      ZTNA_TOPIC_POLICY: topics.policy,
      ZTNA_TOPIC_POSTURE: topics.posture,
      ZTNA_TOPIC_TOKEN: topics.token,
      ZTNA_KAFKA_CREATE_PARTITIONS: '0',
      LOG_LEVEL: 'warn',
    },
    encoding: 'utf8',
  });
  if (produced.status !== 0) throw new Error(`simulate failed: ${produced.stderr}`);
  const produceSeconds = (Date.now() - t) / 1000;

  const dataDir = tempDir('bench');
  const group = `bench-${topics.auth}`;
  const eventTopics = [topics.auth, topics.policy, topics.posture, topics.token];
  t = Date.now();
  const consumer = startConsumer(broker.brokers, topics, dataDir, group);
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, peakRssMiB(consumer.child.pid!));
    } catch {
      /* exited */
    }
  }, 250);
  await waitCaughtUp(admin, group, eventTopics, consumer);
  const consumeSeconds = (Date.now() - t) / 1000;
  peak = Math.max(peak, peakRssMiB(consumer.child.pid!));
  clearInterval(sampler);
  const end = (await progress(admin, group, eventTopics))!.end;
  await stopGracefully(consumer);
  await admin.disconnect();

  const store = new ChdbStore(dataDir);
  const [rows] = await store.query<{ n: string }>(
    'SELECT (SELECT count() FROM auth_events FINAL) + (SELECT count() FROM policy_events FINAL) + (SELECT count() FROM posture_events FINAL) + (SELECT count() FROM token_events FINAL) AS n',
  );
  const [rejected] = await store.query<{ n: string }>('SELECT count() AS n FROM rejected_events FINAL');
  await store.close();

  const row = (k: string, v: string) => console.log(`${k.padEnd(44)} ${v}`);
  console.log(`\nbench:ingest — ${events.toLocaleString('en')} simulated events, ${partitions} partitions per topic, Kafka 3.9 (KRaft) → ztna run → chDB`);
  row('produced to Kafka (ztna simulate --to kafka)', `${(events / produceSeconds).toFixed(0)} events/s (${produceSeconds.toFixed(1)} s)`);
  row('consumed end to end (start → all committed)', `${(end / consumeSeconds).toFixed(0)} events/s (${consumeSeconds.toFixed(1)} s, incl. start-up)`);
  row('consumer peak RSS', `${peak.toFixed(0)} MiB`);
  row('rows stored / dead letters', `${rows!.n} / ${rejected!.n}`);
} finally {
  await broker.stop();
}
