// The import direction of src/, as a check: every module may import only the modules its row
// of docs/ARCHITECTURE.md ("Module boundaries") names. Reads imports as text (static, dynamic,
// `export … from`, type-only alike: a type import is still a dependency on that module's shape).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** Module → the modules it may import. A module is a folder of src/, or a file at its top. */
export type Layering = Record<string, readonly string[]>;

export interface Violation {
  file: string;
  imports: string;
  from: string;
  to: string;
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|^import\s*['"](\.[^'"]+)['"]/gm;

/** Every .ts file under dir, as paths relative to srcDir → their text. */
export function readSources(srcDir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.set(relative(srcDir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(srcDir);
  return files;
}

/** The module a path under src/ belongs to: its first folder, or the file's name without .ts. */
export function moduleOf(path: string): string {
  const [first, ...rest] = path.split(sep);
  return rest.length > 0 ? first! : first!.replace(/\.ts$/, '');
}

/** Each import that crosses into a module its module's row does not allow (or out of an unknown module). */
export function layeringViolations(sources: ReadonlyMap<string, string>, layering: Layering): Violation[] {
  const violations: Violation[] = [];
  for (const [file, text] of sources) {
    const from = moduleOf(file);
    for (const match of text.matchAll(IMPORT)) {
      const spec = match[1] ?? match[2] ?? match[3]!;
      const target = relative('/src', resolve('/src', dirname(file), spec)).replace(/\.js$/, '.ts');
      if (target.startsWith('..')) continue; // outside src/ (package.json, sql/): not a module
      const to = moduleOf(target);
      if (to === from) continue;
      const allowed = layering[from];
      if (!allowed || !allowed.includes(to)) violations.push({ file, imports: spec, from, to });
    }
  }
  return violations;
}

/** The "Module boundaries" table of docs/ARCHITECTURE.md: first column the module, second what it knows. */
export function layeringFromDoc(markdown: string): Layering {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Module boundaries'));
  if (!section) throw new Error('docs/ARCHITECTURE.md has no "## Module boundaries" section');
  const layering: Layering = {};
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !cells[1]!.startsWith('`')) continue;
    const names = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => moduleOf(m[1]!.replace(/^src\//, '').replace(/\/$/, '')));
    const knows = cells[2] === 'nothing else' ? [] : cells[2] === 'everything' ? ['*'] : names(cells[2]!);
    for (const module of names(cells[1]!)) layering[module] = knows;
  }
  return layering;
}

/** A layering with `*` rows expanded to every module. */
export function expandEverything(layering: Layering): Layering {
  const all = Object.keys(layering);
  return Object.fromEntries(Object.entries(layering).map(([m, knows]) => [m, knows.includes('*') ? all : knows]));
}
