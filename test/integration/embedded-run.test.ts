// `npm start` as a newcomer runs it: no services, the simulator into chDB under the data directory.
import { describe, expect, it } from 'vitest';
import { startCli, tempDir } from '../support/helpers.js';
import { freePort } from '../support/services/ports.js';
import { distinctEvents, readStore } from '../support/store.js';
import { waitFor } from '../support/wait.js';

describe('ztna run, embedded default', () => {
  it('feeds simulated traffic into chDB, reports progress, becomes ready, and stops cleanly on SIGTERM', async () => {
    const dataDir = tempDir('embedded');
    const http = `http://127.0.0.1:${await freePort()}`;
    const run = startCli(['run'], {
      KAFKA_BROKERS: '',
      CLICKHOUSE_URL: '',
      ZTNA_DATA_DIR: dataDir,
      ZTNA_SIM_RATE: '500',
      ZTNA_PROGRESS_SECONDS: '1',
      ZTNA_HTTP_PORT: new URL(http).port,
      LOG_LEVEL: 'warn',
    });
    await waitFor('two progress lines', async () => (run.stdout().match(/rows stored/g) ?? []).length >= 2, 60_000);
    // Ready once the readiness monitor has seen the store migrated (its next round after start-up).
    await waitFor('ready', async () => (await fetch(`${http}/readyz`)).status === 200, 30_000);
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
    const stdout = run.stdout();

    expect(stdout).toContain(`store chdb at ${dataDir}`);
    expect(stdout).toMatch(/\d+ events\/s · \d+ rows stored \(auth \d+, policy \d+, posture \d+, token \d+\)/);
    const stored = Number(/stopped cleanly · \d+ read · (\d+) stored/.exec(stdout)?.[1]);
    expect(stored).toBeGreaterThan(0);
    expect(await readStore(dataDir, distinctEvents)).toBe(stored);
  });
});
