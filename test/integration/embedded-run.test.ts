// `npm start` as a newcomer runs it: no services, the simulator into chDB under the data directory.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ChdbStore } from '../../src/store/index.js';
import { CLI, tempDir } from '../support/helpers.js';
import { freePort } from '../support/services/ports.js';
import { waitFor } from '../support/kafkaConsumer.js';

describe('ztna run, embedded default', () => {
  it('feeds simulated traffic into chDB, reports progress, becomes ready, and stops cleanly on SIGTERM', async () => {
    const dataDir = tempDir('embedded');
    const http = `http://127.0.0.1:${await freePort()}`;
    const child = spawn(process.execPath, [CLI, 'run'], {
      env: { ...process.env, KAFKA_BROKERS: '', CLICKHOUSE_URL: '', ZTNA_DATA_DIR: dataDir, ZTNA_SIM_RATE: '500', ZTNA_PROGRESS_SECONDS: '1', ZTNA_HTTP_PORT: new URL(http).port, LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while ((stdout.match(/rows stored/g) ?? []).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    // Ready once the readiness monitor has seen the store migrated (its next round after start-up).
    await waitFor('ready', async () => ((await fetch(`${http}/readyz`)).status === 200 ? true : undefined), 30_000);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    expect(stdout).toContain(`store chdb at ${dataDir}`);
    expect(stdout).toMatch(/\d+ events\/s · \d+ rows stored \(auth \d+, policy \d+, posture \d+, token \d+\)/);
    const stored = Number(/stopped cleanly · \d+ read · (\d+) stored/.exec(stdout)?.[1]);
    expect(stored).toBeGreaterThan(0);

    const store = new ChdbStore(dataDir);
    try {
      const [row] = await store.query<{ n: string }>(
        'SELECT (SELECT count() FROM auth_events FINAL) + (SELECT count() FROM policy_events FINAL) + (SELECT count() FROM posture_events FINAL) + (SELECT count() FROM token_events FINAL) AS n',
      );
      expect(Number(row!.n)).toBe(stored);
    } finally {
      await store.close();
    }
  });
});
