// The peer of `ztna run` in bench:ingest: ClickHouse's own Kafka table engine, in chDB (the same
// engine as our store), one Kafka table per topic with one consumer each, raw JSON through a
// materialized view into a MergeTree table: the fastest way ClickHouse itself ingests these topics.
// Run as its own process so its memory is measured alone:
//   node bench/peers/kafkaEngine.mjs <brokers> <group> <dataDir> <expected rows> <topic>…
// Plain JavaScript, so that it starts as fast as `ztna run` (no TypeScript loader).
// Prints one JSON line when `expected` rows are stored: {"seconds": …, "firstRowsSeconds": …, "firstRows": …}.
import { Session } from 'chdb';

const [brokers, group, dataDir, expectedText, ...topics] = process.argv.slice(2);
const expected = Number(expectedText);
if (!brokers || !group || !dataDir || !Number.isFinite(expected) || topics.length === 0) {
  throw new Error('usage: kafkaEngine.mjs <brokers> <group> <dataDir> <expected rows> <topic>…');
}

const started = performance.now();
const session = new Session(dataDir);
const run = (sql) => session.queryAsync(sql);
await run('CREATE TABLE raw_events (raw String) ENGINE = MergeTree ORDER BY tuple()');
for (const [i, topic] of topics.entries()) {
  // Settings as the ClickHouse docs recommend for throughput: large blocks, one consumer per topic.
  await run(
    `CREATE TABLE kafka_${i} (raw String) ENGINE = Kafka SETTINGS kafka_broker_list = '${brokers}', kafka_topic_list = '${topic}', ` +
      `kafka_group_name = '${group}', kafka_format = 'JSONAsString', kafka_num_consumers = 1, kafka_max_block_size = 262144, kafka_flush_interval_ms = 500`,
  );
  await run(`CREATE MATERIALIZED VIEW kafka_${i}_mv TO raw_events AS SELECT raw FROM kafka_${i}`);
}
let first; // when rows were first stored, and how many: the end of start-up
for (;;) {
  const stored = Number((await session.queryAsync('SELECT count() FROM raw_events', { format: 'TSV' })).text().trim());
  if (stored > 0 && !first) first = { seconds: (performance.now() - started) / 1000, rows: stored };
  if (stored >= expected) break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ seconds, firstRowsSeconds: first.seconds, firstRows: first.rows })}\n`);
for (const i of topics.keys()) await run(`DROP TABLE kafka_${i}_mv`);
session.close();
