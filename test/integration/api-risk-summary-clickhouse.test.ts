// The suite of api-risk-summary.test.ts on ClickHouseServerStore: on the server CLICKHOUSE_URL names where one is
// set, else on the HTTP stand-in for the server process (test/support/services/clickhouseHttp.ts).
import { useClickHouseServer } from '../support/stores.js';
import { apiRiskSummarySuite } from '../support/suites/apiRiskSummary.js';

const server = useClickHouseServer();
apiRiskSummarySuite(server.name, server.open);
