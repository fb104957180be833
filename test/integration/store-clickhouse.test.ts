// The store contract against ClickHouseServerStore: on the server CLICKHOUSE_URL names where one is
// set, else on the HTTP stand-in for the server process (the real engine, chDB, behind ClickHouse's
// HTTP interface), here over https with a CA made in the test and gzip both ways. Then what the
// client reports when the server refuses, as the pipeline's retry and dead-letter rules read it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ClickHouseServerStore, isDataError, StoreError } from '../../src/store/index.js';
import { tempDir } from '../support/helpers.js';
import { makeCa, makeCertificate } from '../support/services/certificates.js';
import { startClickHouseHttp } from '../support/services/clickhouseHttp.js';
import { queryCount } from '../support/store.js';
import { storeContract } from '../support/storeContract.js';
import { useClickHouseServer } from '../support/stores.js';

const server = useClickHouseServer({ tls: true, compression: 'both' });

storeContract(server.name, () => server.openEmpty());

/** The StoreError a store call fails with. */
async function failure(call: Promise<unknown>): Promise<StoreError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  return err as StoreError;
}

describe(`ClickHouseServerStore on ${server.name}: refusals as ClickHouse reports them`, () => {
  it('a wrong password: ClickHouse error 516 (AUTHENTICATION_FAILED), transient (wait, never dead-letter)', async () => {
    const store = new ClickHouseServerStore({ ...(await server.connection()), password: 'not-the-password' });
    const err = await failure(store.query('SELECT 1'));
    await store.close();
    expect(err.clickhouseCode).toBe(516);
    expect(err.transient).toBe(true);
    expect(err.message).toMatch(/Authentication failed/);
    expect(err.message).not.toContain('not-the-password');
  });

  it("an unknown table is the store's problem (60, transient); a value the engine cannot parse is the data's", async () => {
    const store = await server.openEmpty();
    try {
      const unknown = await failure(store.query('SELECT count() FROM no_such_table'));
      expect([unknown.clickhouseCode, unknown.transient]).toEqual([60, true]);
      await store.command('CREATE TABLE numbers_only (n UInt32) ENGINE = MergeTree ORDER BY n');
      const encoded = await failure(store.insert('numbers_only', Buffer.from('{"n":1}\n{"n":-1}\n')));
      expect(isDataError(encoded)).toBe(true);
      const rows = await failure(store.insert('numbers_only', [{ n: 'seven' }]));
      expect(isDataError(rows)).toBe(true);
      // Nothing of a refused insert is stored: the pipeline's bisect relies on it.
      expect(await queryCount(store, 'SELECT count() AS n FROM numbers_only')).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('an https server whose CA is not trusted: the TLS handshake fails, transient and without a code', async () => {
    const { tls: _trusted, ...untrusted } = await server.connection();
    // With CLICKHOUSE_URL over http there is no handshake to fail: this case needs https.
    if (!untrusted.url.startsWith('https:')) return;
    const store = new ClickHouseServerStore(untrusted);
    const err = await failure(store.query('SELECT 1'));
    await store.close();
    expect([err.clickhouseCode, err.transient]).toEqual([undefined, true]);
    expect(err.message).toMatch(/certificate/i);
  });
});

describe('ClickHouseServerStore with a client certificate (mutual TLS, on the stand-in)', () => {
  it("is let in as the certificate's user; without a certificate, or with another user's, it is refused", async () => {
    const dir = tempDir('clickhouse-mtls');
    const ca = makeCa(dir, 'mtls-ca');
    const standIn = await startClickHouseHttp({
      dataDir: dir,
      user: 'ztna',
      password: 'unused-with-certificates',
      tls: { ...makeCertificate(dir, 'clickhouse-server', ca, 'server'), clientCaFile: ca.certFile },
    });
    const pem = (file: string) => readFileSync(file);
    const client = (name: string) => {
      const cert = makeCertificate(dir, name, ca, 'client');
      return { ca: pem(ca.certFile), cert: pem(cert.certFile), key: pem(cert.keyFile) };
    };
    const as = (tls: { ca: Buffer; cert?: Buffer; key?: Buffer }) =>
      new ClickHouseServerStore({ url: standIn.url, username: 'ztna', password: 'wrong', tls });
    try {
      const mine = as(client('ztna'));
      expect(await mine.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
      await mine.close();
      const none = as({ ca: pem(ca.certFile) });
      const handshake = await failure(none.query('SELECT 1'));
      await none.close();
      expect([handshake.clickhouseCode, handshake.transient]).toEqual([undefined, true]);
      const other = as(client('someone-else'));
      expect((await failure(other.query('SELECT 1'))).clickhouseCode).toBe(516);
      await other.close();
    } finally {
      await standIn.stop();
    }
  });
});
