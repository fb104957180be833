// Generated files are committed; this fails when one is stale.
import { appendFileSync, cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from '../../src/commands/generate.js';
import { ROOT, runCli, runCommand, tempDir } from '../support/helpers.js';

describe('generated files', () => {
  it('are current (run `npx ztna generate` after changing their source)', () => {
    expect(generate(ROOT, true)).toEqual([]);
  });

  it('`ztna generate --check` exits non-zero and names each stale file; `ztna generate` brings them back', async () => {
    // A copy of the built package, so the check runs on files this test may change.
    const copy = tempDir('generate');
    for (const path of ['dist', 'sql', 'schemas', 'alerts', 'dashboards', 'deploy', 'slos.yaml', 'package.json'])
      cpSync(join(ROOT, path), join(copy, path), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    appendFileSync(join(copy, 'alerts', 'ztna-slo.rules.yml'), '# edited by hand\n');
    appendFileSync(join(copy, 'schemas', 'auth-event.schema.json'), ' ');
    appendFileSync(join(copy, 'dashboards', 'ztna-oncall.json'), ' ');
    const cli = (...args: string[]) => runCommand(process.execPath, [join(copy, 'dist', 'cli.js'), ...args]);
    const stale = await cli('generate', '--check');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('stale: alerts/ztna-slo.rules.yml');
    expect(stale.stderr).toContain('stale: schemas/auth-event.schema.json');
    expect(stale.stderr).toContain('stale: dashboards/ztna-oncall.json');
    expect((await cli('generate')).code).toBe(0);
    expect((await cli('generate', '--check')).code).toBe(0);
  });

  it('`ztna generate --check` exits 0 when current', async () => {
    const { code, stderr } = await runCli(['generate', '--check']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
