// Shared by the tests: paths, normalize options, temporary directories, the vendor records
// (the project's fixtures, and ../shared/samples where present), running the CLI.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NormalizeOptions } from '../../src/events/index.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist', 'cli.js');
export const FIXTURES_DIR = join(ROOT, 'test', 'fixtures', 'sources');
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

/** The non-blank lines of an NDJSON file. */
function ndjsonLines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/** Every source with its own fixture file, test/fixtures/sources/<source>.ndjson. */
export const FIXTURE_SOURCES = ['okta', 'entra', 'opa', 'keycloak', 'native'] as const;
export type FixtureSource = (typeof FIXTURE_SOURCES)[number];

/** The project's own records of one source, written from the vendor's documented format. */
export function fixtureLines(source: string): string[] {
  return ndjsonLines(join(FIXTURES_DIR, `${source}.ndjson`));
}

/** Every source's fixture lines, one source after another: mixed vendor traffic. */
export function allFixtureLines(): string[] {
  return FIXTURE_SOURCES.flatMap(fixtureLines);
}

// Real vendor events live beside the project, in ../shared/samples; a user's clone has no
// ../shared. Suites that need them run `beforeEach(skipWithoutSamples)`: in full where the
// folder is, and where it is not each test is skipped with a note naming the folder, which
// vitest's reporters print. (A hook, not a describe wrapper: the benches import this file
// outside vitest, where vitest cannot load.)
const SAMPLES_PRESENT = existsSync(SAMPLES_DIR);

/** beforeEach hook: skips the test, saying where the samples were looked for, when they are absent. */
export function skipWithoutSamples({ skip }: { skip: (condition: boolean, note?: string) => void }): void {
  skip(!SAMPLES_PRESENT, `../shared/samples not found at ${SAMPLES_DIR}`);
}

/** Every sample file of the folder (or its `sources` subfolder): name → its lines; none when the folder is absent (the tests that read them are skipped then). */
export function sampleFiles(subfolder: '' | 'sources' = ''): Record<string, string[]> {
  const dir = join(SAMPLES_DIR, subfolder);
  if (!SAMPLES_PRESENT || !existsSync(dir)) return {};
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.ndjson'))
      .map((f) => [f, ndjsonLines(join(dir, f))]),
  );
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end without blocking the event loop (a synchronous spawn of a slow tool
 * starves the test runner's own messages, which it reports as a timeout after 60 s).
 */
export function runCommand(
  command: string,
  args: string[],
  options: { stdin?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** Runs the built `ztna` CLI with the given stdin and environment. */
export const runCli = (args: string[], options: { stdin?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> =>
  runCommand(process.execPath, [CLI, ...args], options);

export interface RunningCli {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it has written so far. */
  stdout(): string;
  stderr(): string;
}

/** Starts the built `ztna` CLI in the background (e.g. `run`) with the given environment, keeping what it writes. */
export function startCli(args: string[], env: NodeJS.ProcessEnv): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, stdout: () => out, stderr: () => err };
}
