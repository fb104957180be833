// SQL lives in sql/ files, loaded by name. Values are always bound parameters.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// src/store and dist/store are both two levels below the package root.
export const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url));

const cache = new Map<string, string>();

/** The named query in sql/queries/NAME.sql. */
export function namedQuery(name: string): string {
  let sql = cache.get(name);
  if (sql === undefined) {
    sql = readFileSync(`${SQL_DIR}queries/${name}.sql`, 'utf8');
    cache.set(name, sql);
  }
  return sql;
}

export function sqlFile(relativePath: string): string {
  return readFileSync(`${SQL_DIR}${relativePath}`, 'utf8');
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** sql/migrations/NNNN_name.sql (or those of another folder of sql/), in version order. */
export function migrations(dir = 'migrations'): Migration[] {
  return readdirSync(`${SQL_DIR}${dir}`)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((file) => ({ version: Number(file.slice(0, 4)), name: file.replace(/\.sql$/, ''), sql: sqlFile(`${dir}/${file}`) }));
}

/** Statements of a file: split at a `;` that ends a line; comments are kept with their statement. */
export function statements(sql: string): string[] {
  return sql
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('--')));
}
