// The peer of `ztna import` in bench:import: ClickHouse reading the same NDJSON file itself, in
// chDB (the same engine as our store), raw JSON into a MergeTree table: the fastest way ClickHouse
// loads such a file. Run as its own process:
//   node bench/peers/fileImport.mjs <dataDir> <file>
// Prints one JSON line: {"rows": …}.
import { Session } from 'chdb';

const [dataDir, file] = process.argv.slice(2);
if (!dataDir || !file) throw new Error('usage: fileImport.mjs <dataDir> <file>');
const session = new Session(dataDir);
await session.queryAsync('CREATE TABLE raw_events (raw String) ENGINE = MergeTree ORDER BY tuple()');
await session.queryBindAsync("INSERT INTO raw_events SELECT json FROM file({file:String}, 'JSONAsString')", { file });
const rows = Number((await session.queryAsync('SELECT count() FROM raw_events', { format: 'TSV' })).text().trim());
process.stdout.write(`${JSON.stringify({ rows })}\n`);
session.close();
