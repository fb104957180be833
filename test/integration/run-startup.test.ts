// `ztna run` with its ClickHouse server down at start-up: under a supervisor, crashing would be a
// crash loop. The service starts its HTTP server, waits the store out with backoff (one log
// line per attempt, naming the server without its credentials), says so on /readyz, and a
// SIGTERM meanwhile stops it cleanly. No ClickHouse server can run here, so only the waiting
// and the stop are shown: the store is a closed port on 127.0.0.1.
import { describe, expect, it } from 'vitest';
import { HMAC_KEY, runCli, startCli, tempDir } from '../support/helpers.js';
import { freePort } from '../support/services/ports.js';
import { migratedStore } from '../support/store.js';
import { waitFor } from '../support/wait.js';

const URL_PASSWORD = 'url-password-never-logged';
const ENV_PASSWORD = 'env-password-never-logged';

/** `ztna run` against a ClickHouse URL where nothing listens. */
async function runWithStoreDown() {
  const storePort = await freePort();
  const httpPort = await freePort();
  const run = startCli(['run'], {
    KAFKA_BROKERS: '',
    CLICKHOUSE_URL: `http://ztna:${URL_PASSWORD}@127.0.0.1:${storePort}`,
    CLICKHOUSE_PASSWORD: ENV_PASSWORD,
    ZTNA_HMAC_KEY: HMAC_KEY,
    ZTNA_DATA_DIR: tempDir('run-startup'),
    ZTNA_HTTP_PORT: String(httpPort),
    ZTNA_PROGRESS_SECONDS: '0',
    LOG_LEVEL: 'info',
  });
  /** The log lines of the store's failed attempts so far (it is an error to have exited meanwhile). */
  const attempts = () => {
    if (run.child.exitCode !== null && !run.child.killed) throw new Error(`ztna run exited with ${run.child.exitCode}: ${run.stderr()}`);
    return run
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; attempt?: number; store?: string })
      .filter((line) => line.store !== undefined && line.attempt !== undefined);
  };
  return {
    ...run,
    storeUrl: `http://127.0.0.1:${storePort}/default`,
    http: `http://127.0.0.1:${httpPort}`,
    attempts,
    output: () => run.stdout() + run.stderr(),
  };
}

describe('ztna run, the store down at start-up', () => {
  it('stays up and retries, says on /readyz that the store is unreachable, never logs the password, and stops cleanly on SIGTERM', async () => {
    const run = await runWithStoreDown();
    try {
      await waitFor('two failed store attempts', async () => run.attempts().length >= 2, 60_000);
      const attempts = run.attempts();
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      for (const line of attempts) expect(line.msg).toContain(`cannot reach ${run.storeUrl}`);
      expect(attempts.map((l) => l.attempt).slice(0, 2)).toEqual([1, 2]);

      const health = await fetch(`${run.http}/healthz`);
      expect(health.status).toBe(200);
      const ready = await fetch(`${run.http}/readyz`);
      expect(ready.status).toBe(503);
      const { down } = (await ready.json()) as { down: Record<string, string> };
      expect(Object.keys(down)).toEqual(['store']);
      expect(down.store).toMatch(new RegExp(`^cannot reach ${run.storeUrl.replace(/[/.]/g, '\\$&')} \\(since `));

      run.child.kill('SIGTERM');
      expect((await run.exited).code).toBe(0);
      expect(run.stdout()).toContain('ztna: stopped cleanly');
      for (const secret of [URL_PASSWORD, ENV_PASSWORD]) expect(run.output()).not.toContain(secret);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('a SIGTERM as soon as the first attempt has failed stops cleanly, with exit code 0', async () => {
    const run = await runWithStoreDown();
    try {
      await waitFor('the first failed store attempt', async () => run.attempts().length >= 1, 60_000);
      run.child.kill('SIGTERM');
      expect((await run.exited).code).toBe(0);
      expect(run.stdout()).toMatch(/ztna: stopped cleanly · 0 read · 0 stored/);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('a failure waiting cannot fix (a migration changed after it was applied) ends start-up: exit code 1 and the reason', async () => {
    const dataDir = tempDir('run-changed-migration');
    const store = await migratedStore(dataDir);
    await store.command("ALTER TABLE schema_migrations UPDATE checksum = 'changed' WHERE version = 1 SETTINGS mutations_sync = 1");
    await store.close();
    const result = await runCli(['run'], {
      env: {
        KAFKA_BROKERS: '',
        CLICKHOUSE_URL: '',
        ZTNA_DATA_DIR: dataDir,
        ZTNA_HTTP_PORT: String(await freePort()),
        ZTNA_PROGRESS_SECONDS: '0',
      },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /ztna: start-up failed: migration 0001_\w+ was changed after it was applied; add a new migration instead/,
    );
  });

  it('a configuration error is still fatal at once: exit code 2, nothing started', async () => {
    const result = await runCli(['run'], {
      env: { KAFKA_BROKERS: '', CLICKHOUSE_URL: 'http://127.0.0.1:1', ZTNA_HMAC_KEY: '', ZTNA_HTTP_PORT: String(await freePort()) },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ZTNA_HMAC_KEY: required when KAFKA_BROKERS or CLICKHOUSE_URL is set');
    expect(result.stdout).not.toContain('HTTP on');
  });
});
