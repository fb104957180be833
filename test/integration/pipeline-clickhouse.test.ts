// The suite of pipeline.test.ts on ClickHouseServerStore: on the server CLICKHOUSE_URL names where one is
// set, else on the HTTP stand-in for the server process (test/support/services/clickhouseHttp.ts).
import { useClickHouseServer } from '../support/stores.js';
import { pipelineSuite } from '../support/suites/pipeline.js';

const server = useClickHouseServer();
pipelineSuite(server.name, server.open);
