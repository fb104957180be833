// Generated files are committed; this fails when one is stale.
import { describe, expect, it } from 'vitest';
import { generate } from '../../src/commands/generate.js';
import { ROOT, runCli } from '../helpers.js';

describe('generated files', () => {
  it('are current (run `npx ztna generate` after changing their source)', () => {
    expect(generate(ROOT, true)).toEqual([]);
  });

  it('`ztna generate --check` exits 0 when current', async () => {
    const { code, stderr } = await runCli(['generate', '--check']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
