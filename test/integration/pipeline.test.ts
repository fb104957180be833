// The ingest pipeline on chDB, the real ClickHouse engine in process (the suite: test/support/suites/pipeline.ts;
// the same on a ClickHouse server: pipeline-clickhouse.test.ts).
import { chdbStores } from '../support/stores.js';
import { pipelineSuite } from '../support/suites/pipeline.js';

pipelineSuite('chDB', chdbStores);
