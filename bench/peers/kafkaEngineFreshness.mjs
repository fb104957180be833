// The peer of `ztna run` in bench:freshness: ClickHouse's own Kafka table engine in chDB consuming
// one topic (raw JSON through a materialized view into MergeTree), watched from inside the same
// process as often as `ztna run` is watched from outside: every 50 ms it reads which events became
// visible since the last look. Run as its own process:
//   node bench/peers/kafkaEngineFreshness.mjs <brokers> <group> <dataDir> <topic> <expected rows>
// Prints "ready" once its consumer has joined, then one line per look: "<epoch ms> <seq> <seq> …".
import { Session } from 'chdb';

const [brokers, group, dataDir, topic, expectedText] = process.argv.slice(2);
const expected = Number(expectedText);
if (!brokers || !group || !dataDir || !topic || !Number.isFinite(expected)) {
  throw new Error('usage: kafkaEngineFreshness.mjs <brokers> <group> <dataDir> <topic> <expected rows>');
}
const session = new Session(dataDir);
const run = (sql) => session.queryAsync(sql);
await run(
  "CREATE TABLE raw_events (raw String, seq UInt64 MATERIALIZED JSONExtractUInt(raw, 'emitter_seq')) ENGINE = MergeTree ORDER BY tuple()",
);
await run(
  `CREATE TABLE kafka_in (raw String) ENGINE = Kafka SETTINGS kafka_broker_list = '${brokers}', kafka_topic_list = '${topic}', ` +
    `kafka_group_name = '${group}', kafka_format = 'JSONAsString', kafka_num_consumers = 1, kafka_flush_interval_ms = 100`,
);
await run('CREATE MATERIALIZED VIEW kafka_in_mv TO raw_events AS SELECT raw FROM kafka_in');
process.stdout.write('ready\n');
// Sequence numbers arrive out of order across partitions: each look reads everything above the
// contiguous prefix seen so far and reports the ones not reported yet.
const reported = new Set();
let prefix = 0;
while (reported.size < expected) {
  const text = (await session.queryAsync(`SELECT seq FROM raw_events WHERE seq > ${prefix}`, { format: 'TSV' })).text();
  const now = Date.now();
  const fresh = text.split('\n').filter((s) => s !== '' && !reported.has(s));
  if (fresh.length > 0) process.stdout.write(`${now} ${fresh.join(' ')}\n`);
  for (const s of fresh) reported.add(s);
  while (reported.has(String(prefix + 1))) prefix++;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
await run('DROP TABLE kafka_in_mv');
session.close();
