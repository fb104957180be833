// GET /api/v1/trails and /api/v1/sessions/:id on chDB (the suite: test/support/suites/apiTrails.ts; the
// same on a ClickHouse server: api-trails-clickhouse.test.ts).
import { chdbStores } from '../support/stores.js';
import { apiTrailsSuite } from '../support/suites/apiTrails.js';

apiTrailsSuite('chDB', chdbStores);
