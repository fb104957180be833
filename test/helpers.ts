// Shared by the tests: paths, normalize options, temporary directories, running the CLI.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NormalizeOptions } from '../src/events/index.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = join(ROOT, 'dist', 'cli.js');
export const SAMPLES_DIR = join(ROOT, '..', 'shared', 'samples');
export const HMAC_KEY = 'test-hmac-key-0123456789abcdef0123456789';

export function normalizeOptions(overrides: Partial<NormalizeOptions> = {}): NormalizeOptions {
  return {
    source: 'auto',
    maxBytes: 1024 * 1024,
    hmacKey: Buffer.from(HMAC_KEY),
    observedTime: '2026-11-23T12:00:00.000Z',
    defaultTenant: 'default',
    ...overrides,
  };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ztna-${prefix}-`));
}

/** Every sample file: name → its lines. */
export function sampleFiles(): Record<string, string[]> {
  return Object.fromEntries(
    readdirSync(SAMPLES_DIR)
      .filter((f) => f.endsWith('.ndjson'))
      .map((f) => [f, readFileSync(join(SAMPLES_DIR, f), 'utf8').split('\n').filter((l) => l.trim() !== '')]),
  );
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `ztna` CLI with the given stdin and environment. */
export function runCli(args: string[], options: { stdin?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...options.env } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(options.stdin ?? '');
  });
}
