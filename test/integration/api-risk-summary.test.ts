// GET /api/v1/risk-summary on chDB (the suite: test/support/suites/apiRiskSummary.ts; the same on a
// ClickHouse server: api-risk-summary-clickhouse.test.ts).
import { chdbStores } from '../support/stores.js';
import { apiRiskSummarySuite } from '../support/suites/apiRiskSummary.js';

apiRiskSummarySuite('chDB', chdbStores);
