// Data flows down the module table of docs/ARCHITECTURE.md and never back up: the table is
// the rule, and this test holds the code to it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/helpers.js';
import { expandEverything, layeringFromDoc, layeringViolations, moduleOf, readSources } from '../support/layering.js';

const layering = expandEverything(layeringFromDoc(readFileSync(join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8')));
const sources = readSources(join(ROOT, 'src'));

describe('module layering', () => {
  it('the table names every module of src/, and only those', () => {
    const modules = new Set([...sources.keys()].map(moduleOf));
    expect(modules.size).toBeGreaterThan(10);
    expect(Object.keys(layering).sort()).toEqual([...modules].sort());
  });

  it('no module imports against the table', () => {
    expect(layeringViolations(sources, layering)).toEqual([]);
  });

  it('a planted back edge fails the check, naming the file, the import and both modules', () => {
    const planted = new Map(sources);
    planted.set(join('events', 'planted.ts'), "import { buildServer } from '../api/server.js';\nexport const x = buildServer;\n");
    planted.set(join('store', 'planted.ts'), "export type { Anomaly } from '../detect/anomaly.js';\n");
    expect(layeringViolations(planted, layering)).toEqual([
      { file: join('events', 'planted.ts'), imports: '../api/server.js', from: 'events', to: 'api' },
      { file: join('store', 'planted.ts'), imports: '../detect/anomaly.js', from: 'store', to: 'detect' },
    ]);
  });
});
