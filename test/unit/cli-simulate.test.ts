// `ztna simulate` as a user runs it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/helpers.js';

describe('ztna simulate', () => {
  it('writes N records, the same for the same seed and start, with their truth line for line', async () => {
    const dir = tempDir('sim');
    const args = ['simulate', '--events', '300', '--seed', '9', '--start', '2026-11-20T10:00:00Z', '--invalid-share', '0.05'];
    const a = await runCli([...args, '--truth', join(dir, 'truth.ndjson')]);
    const b = await runCli(args);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stderr.trim())).toEqual({ sent: 300 });
    const lines = a.stdout.trim().split('\n');
    expect(lines).toHaveLength(300);
    expect(b.stdout).toBe(a.stdout);
    const truth = readFileSync(join(dir, 'truth.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(truth).toHaveLength(300);
    expect(truth.filter((t) => t.type === 'invalid').length).toBeGreaterThan(3);
    expect(truth.find((t) => t.type === 'event').truth.time >= '2026-11-20T10:00:00.000Z').toBe(true);
  });

  it('refuses a bad option with exit 2 and says which', async () => {
    const { code, stderr } = await runCli(['simulate', '--events', 'lots']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--events must be a number/);
  });
});
