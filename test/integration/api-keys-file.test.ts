// Key lifecycle on a running server: the keys file rewritten (in place and replaced by a rename)
// takes effect without a restart, a broken file keeps the last good keys, two keys of one name
// during a rotation, an expired key refused with its reason in the access log, and each key's last
// use as a metric by name, never by key.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessRecorder } from '../../src/api/accessLog.js';
import { hashApiKey } from '../../src/api/auth.js';
import { KeyFile } from '../../src/api/keyFile.js';
import { serviceMetrics } from '../../src/commands/metrics.js';
import { METRIC_NAMES } from '../../src/conventions.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import type { Store } from '../../src/store/index.js';
import { apiServer, closeAll } from '../support/api.js';
import { HMAC_KEY, startCli, tempDir } from '../support/helpers.js';
import { freePort } from '../support/services/ports.js';
import { pipelineOptions } from '../support/pipeline.js';
import { migratedStore } from '../support/store.js';
import { waitFor } from '../support/wait.js';

const entry = (name: string, key: string, rest = '') => `${name}:sre:${hashApiKey(key)}${rest}`;

describe('API keys from a file, over their life', () => {
  const dir = tempDir('api-keys-file');
  const path = join(dir, 'api-keys');
  const errors: Error[] = [];
  let reloads = 0;
  let store: Store;
  let access: AccessRecorder;
  let file: KeyFile;
  let app: FastifyInstance;
  const metrics = serviceMetrics();

  /** Writes the file as an editor or a secret mount would: in place, or a new file renamed over it. */
  const writeKeys = (lines: string[], how: 'in place' | 'rename' = 'in place') => {
    const text = `# ops keys\n${lines.join('\n')}\n`;
    if (how === 'in place') return writeFileSync(path, text);
    writeFileSync(`${path}.new`, text);
    renameSync(`${path}.new`, path);
  };
  const status = async (key: string) => (await app.inject({ url: '/api/v1/slis', headers: { authorization: `Bearer ${key}` } })).statusCode;
  const becomes = (key: string, code: number) => waitFor(`${key} answered ${code}`, async () => (await status(key)) === code, 30_000, 50);

  beforeAll(async () => {
    store = await migratedStore(tempDir('api-keys-file-store'));
    const pipeline = new IngestPipeline(store, pipelineOptions());
    access = new AccessRecorder(
      (records) => pipeline.processBatch(records),
      'ztna',
      (err) => {
        throw err;
      },
    );
    writeKeys([entry('ops', 'key-one')]);
    file = new KeyFile(path, {
      pollMs: 200,
      onReload: () => reloads++,
      onError: (err) => errors.push(err),
    });
    app = apiServer(store, { apiKeys: () => file.keys, access, registry: metrics.registry, apiMetrics: metrics.api });
  });
  afterAll(async () => {
    file.close();
    await closeAll(access, app, store);
  });

  it('takes a rewritten file without a restart: the new key accepted, the removed one refused', async () => {
    expect(await status('key-one')).toBe(200);
    expect(await status('key-two')).toBe(401);
    writeKeys([entry('ops', 'key-two')]);
    await becomes('key-two', 200);
    expect(await status('key-one')).toBe(401);
    writeKeys([entry('ops', 'key-three')], 'rename');
    await becomes('key-three', 200);
    expect(await status('key-two')).toBe(401);
    expect(reloads).toBeGreaterThanOrEqual(2);
    expect(errors).toEqual([]);
  });

  it('keeps the last good keys when the file is broken or gone, and says why; a fixed file is taken again', async () => {
    writeKeys([entry('ops', 'key-three'), 'ops:root:not-a-hash']);
    await waitFor('the broken file reported', async () => errors.length === 1, 30_000, 50);
    expect(errors[0]!.message).toMatch(/API key ops: role must be one of/);
    expect(await status('key-three')).toBe(200);
    renameSync(path, `${path}.moved`);
    await waitFor('the missing file reported', async () => errors.length === 2, 30_000, 50);
    expect(errors[1]!.message).toMatch(/ENOENT/);
    expect(await status('key-three')).toBe(200);
    writeKeys([entry('ops', 'key-four')]);
    await becomes('key-four', 200);
    expect(await status('key-three')).toBe(401);
  });

  it('accepts both keys of a name during a rotation, then refuses the old one once its entry has expired, saying so', async () => {
    writeKeys([entry('ops', 'key-four', ':*:exp=2099-01-01'), entry('ops', 'key-five')]);
    await becomes('key-five', 200);
    expect(await status('key-four')).toBe(200);
    writeKeys([entry('ops', 'key-four', ':*:exp=2026-01-01'), entry('ops', 'key-five')]);
    await becomes('key-four', 401);
    const refused = await app.inject({ url: '/api/v1/slis', headers: { authorization: 'Bearer key-four' } });
    expect(refused.json()).toMatchObject({ error: 'unauthorized', message: expect.stringMatching(/^API key ops expired on 2026-01-01/) });
    expect(await status('key-five')).toBe(200);
    await access.flush();
    const failures = await store.query<{ failure_reason: string }>(
      "SELECT DISTINCT failure_reason FROM events FINAL WHERE kind = 'auth' AND source = 'ztna-api' AND outcome = 'failure'",
    );
    expect(failures.map((f) => f.failure_reason)).toContain('API key ops expired on 2026-01-01');
  });

  it("exports each key's last use by its name, never the key", async () => {
    writeKeys([entry('ops', 'key-five'), entry('ci', 'key-six')]);
    await becomes('key-six', 200);
    const before = Date.now() / 1000;
    expect(await status('key-five')).toBe(200);
    const metric = await metrics.registry.getSingleMetric(METRIC_NAMES.apiKeyLastUsed)!.get();
    const byName = Object.fromEntries(metric.values.map((v) => [v.labels.name, v.value]));
    expect(Object.keys(byName).sort()).toEqual(['ci', 'ops']);
    expect(byName.ops).toBeGreaterThanOrEqual(before - 1);
    expect(byName.ops).toBeGreaterThanOrEqual(byName.ci!);
    const exported = await (await app.inject({ url: '/metrics' })).body;
    expect(exported).toMatch(/^ztna_api_key_last_used_timestamp_seconds\{name="ops"\} \d/m);
    for (const key of ['key-five', 'key-six', hashApiKey('key-five')]) expect(exported).not.toContain(key);
  });
});

describe('ztna run with a keys file', () => {
  it('takes a rewritten file without a restart and logs a broken one, keeping its keys', async () => {
    const dir = tempDir('run-keys-file');
    const path = join(dir, 'api-keys');
    writeFileSync(path, `${entry('ops', 'run-key-one')}\n`);
    const httpPort = await freePort();
    // The store is a closed port: the API's auth answers before any route reaches it.
    const run = startCli(['run'], {
      CLICKHOUSE_URL: `http://127.0.0.1:${await freePort()}`,
      ZTNA_HMAC_KEY: HMAC_KEY,
      ZTNA_DATA_DIR: dir,
      ZTNA_HTTP_PORT: String(httpPort),
      ZTNA_API_KEYS_FILE: path,
      ZTNA_PROGRESS_SECONDS: '0',
    });
    const status = async (key: string) =>
      (await fetch(`http://127.0.0.1:${httpPort}/api/v1/slis`, { headers: { authorization: `Bearer ${key}` } })).status;
    try {
      await waitFor(
        'the HTTP server',
        () =>
          status('run-key-one').then(
            (code) => code !== 401 && code,
            () => false,
          ),
        60_000,
      );
      expect(await status('run-key-two')).toBe(401);
      writeFileSync(path, `${entry('ops', 'run-key-two')}\n`);
      await waitFor('the new key accepted', async () => (await status('run-key-two')) !== 401, 30_000, 50);
      expect(await status('run-key-one')).toBe(401);
      expect(run.stderr()).toMatch(/"file":"[^"]+api-keys","keys":1,"msg":"API keys file read again"/);
      writeFileSync(path, 'ops:sre:not-a-hash\n');
      await waitFor('the broken file logged', async () => run.stderr().includes('API keys file not used'), 30_000, 50);
      expect(run.stderr()).toMatch(
        /"err":"API key ops: the third field must be the key's SHA-256 in hex[^"]*","msg":"API keys file not used: the last good keys stay in force"/,
      );
      expect(await status('run-key-two')).not.toBe(401);
      run.child.kill('SIGTERM');
      expect((await run.exited).code).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});
