// The suite of api-trails.test.ts on ClickHouseServerStore: on the server CLICKHOUSE_URL names where one is
// set, else on the HTTP stand-in for the server process (test/support/services/clickhouseHttp.ts).
import { useClickHouseServer } from '../support/stores.js';
import { apiTrailsSuite } from '../support/suites/apiTrails.js';

const server = useClickHouseServer();
apiTrailsSuite(server.name, server.open);
