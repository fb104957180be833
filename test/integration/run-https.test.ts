// `ztna run` with a certificate and key of its own: the HTTP API, probes and /metrics answer
// https only, for deployments without a TLS proxy in front. The CA and the certificate are made
// here with openssl.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, tempDir } from '../support/helpers.js';
import { makeCa, makeCertificate, type TestCa, type TestCertificate } from '../support/services/certificates.js';
import { freePort } from '../support/services/ports.js';
import { waitFor } from '../support/wait.js';

/** GET over https, trusting only the test CA: the status and body. */
function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const embeddedEnv = (dataDir: string, port: number): NodeJS.ProcessEnv => ({
  KAFKA_BROKERS: '',
  CLICKHOUSE_URL: '',
  ZTNA_DATA_DIR: dataDir,
  ZTNA_HTTP_PORT: String(port),
  ZTNA_PROGRESS_SECONDS: '0',
  ZTNA_SIM_RATE: '20',
  LOG_LEVEL: 'warn',
});

describe('ztna run over https', () => {
  const dir = tempDir('run-https');
  let ca: TestCa;
  let server: TestCertificate;
  let caPem: string;
  beforeAll(() => {
    ca = makeCa(dir, 'api-ca');
    server = makeCertificate(dir, 'api-server', ca, 'server');
    caPem = readFileSync(ca.certFile, 'utf8');
  });

  it('answers https with the configured certificate, refuses plain http, and stops cleanly', async () => {
    const port = await freePort();
    const run = startCli(['run'], {
      ...embeddedEnv(tempDir('run-https-data'), port),
      ZTNA_TLS_CERT_FILE: server.certFile,
      ZTNA_TLS_KEY_FILE: server.keyFile,
    });
    try {
      const address = await waitFor('the HTTP address', async () => /HTTP on (\S+):/.exec(run.stdout())?.[1], 60_000);
      expect(address).toBe(`https://127.0.0.1:${port}`);
      const health = await httpsGet(`${address}/healthz`, caPem);
      expect(health.status).toBe(200);
      const ready = await waitFor('ready', async () => {
        const r = await httpsGet(`${address}/readyz`, caPem);
        return r.status === 200 && r;
      });
      expect(ready.status).toBe(200);
      expect((await httpsGet(`${address}/metrics`, caPem)).body).toContain('ztna_events_total');
      // Plain http on the same port: the TLS server ends the connection, nothing answers.
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
      // A client that does not trust the CA refuses the server.
      await expect(fetch(`${address}/healthz`)).rejects.toThrow();
      run.child.kill('SIGTERM');
      expect((await run.exited).code).toBe(0);
      expect(run.stdout()).toContain('ztna: stopped cleanly');
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('a certificate without its key, or a file it cannot read, stops start-up naming the variable (exit 2)', async () => {
    const port = await freePort();
    const env = embeddedEnv(tempDir('run-https-bad'), port);
    const alone = await runCli(['run'], { env: { ...env, ZTNA_TLS_CERT_FILE: server.certFile } });
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('ZTNA_TLS_KEY_FILE: required with ZTNA_TLS_CERT_FILE');
    const unreadable = await runCli(['run'], {
      env: { ...env, ZTNA_TLS_CERT_FILE: server.certFile, ZTNA_TLS_KEY_FILE: `${dir}/missing.key` },
    });
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain(`ZTNA_TLS_KEY_FILE: cannot read ${dir}/missing.key`);
    expect(alone.stdout + unreadable.stdout).not.toContain('HTTP on');
  });

  it('a key that does not belong to the certificate stops start-up naming the variable (exit 2)', async () => {
    const other = makeCertificate(dir, 'other-server', ca, 'server');
    const result = await runCli(['run'], {
      env: {
        ...embeddedEnv(tempDir('run-https-mismatch'), await freePort()),
        ZTNA_TLS_CERT_FILE: server.certFile,
        ZTNA_TLS_KEY_FILE: other.keyFile,
      },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "ZTNA_TLS_KEY_FILE: not the PEM key of ZTNA_TLS_CERT_FILE's PEM certificate (x509 certificate routines::key values mismatch)",
    );
    expect(result.stdout).not.toContain('HTTP on');
  });
});
