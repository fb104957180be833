// `ztna generate [--check]`: writes the committed generated files, or says which are stale.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { jsonSchemaFiles } from '../events/jsonSchema.js';

/** Every generated file, by path relative to the project root. */
export function generatedFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, content] of Object.entries(jsonSchemaFiles())) files[`schemas/${name}`] = content;
  return files;
}

/** Writes (or, with check, compares) the generated files; returns the paths that differ. */
export function generate(root: string, check: boolean): string[] {
  const stale: string[] = [];
  for (const [path, content] of Object.entries(generatedFiles())) {
    const target = join(root, path);
    const current = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
    if (current === content) continue;
    stale.push(path);
    if (!check) {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
  }
  return stale;
}
