// The same contract against a ClickHouse server. There is none on this machine by
// default: set CLICKHOUSE_URL (e.g. http://localhost:8123) to run it; otherwise it says it skipped.
import { randomUUID } from 'node:crypto';
import { describe, it } from 'vitest';
import { ClickHouseServerStore } from '../../src/store/index.js';
import { storeContract } from '../support/storeContract.js';

const url = process.env.CLICKHOUSE_URL;

if (url) {
  storeContract(`ClickHouse server at ${new URL(url).host}`, async () => {
    const database = `ztna_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const admin = new ClickHouseServerStore({ url, username: process.env.CLICKHOUSE_USER, password: process.env.CLICKHOUSE_PASSWORD });
    await admin.command('CREATE DATABASE {database:Identifier}', { database });
    await admin.close();
    return new ClickHouseServerStore({ url, username: process.env.CLICKHOUSE_USER, password: process.env.CLICKHOUSE_PASSWORD, database });
  });
} else {
  describe('ClickHouse server store contract', () => {
    it.skip('skipped: CLICKHOUSE_URL is not set (the same contract runs on chDB in store-chdb.test.ts)', () => {});
  });
}
