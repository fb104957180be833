// NDJSON files as a source: plain or gzip (by the `.gz` name), or `-` for standard input, read
// as a stream of raw records with their file and line, and how far into the file the reader is.
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, type ReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { RawRecord } from '../pipeline/record.js';
import { ndjsonLines } from './ndjson.js';

export interface NdjsonFile {
  path: string;
  /** Bytes of the file (compressed, for .gz). */
  size: number;
  /** Bytes read from the file so far (compressed, for .gz). */
  bytesRead(): number;
  /** The file's records in chunks of at most `chunk`, in order. */
  records(chunk: number): AsyncGenerator<RawRecord[]>;
}

/** A file (or, for `-`, a spooled copy of standard input: see spoolStdin) to read records from; opened when read. */
export function openNdjsonFile(path: string, spooled?: string): NdjsonFile {
  const stdin = path === '-';
  const file = stdin ? spooled! : path;
  let raw: ReadStream | undefined;
  return {
    path,
    size: statSync(file).size,
    bytesRead: () => raw?.bytesRead ?? 0,
    async *records(chunk: number) {
      raw = createReadStream(file, { highWaterMark: 1024 * 1024 });
      // A gzip error ends both streams (and closes the file); a read error ends the decompressed stream.
      const text = path.endsWith('.gz') ? pipeline(raw, createGunzip(), () => {}) : raw;
      let records: RawRecord[] = [];
      for await (const { value, line } of ndjsonLines(text)) {
        records.push({ value, origin: { door: stdin ? 'stdin' : 'file', topic: stdin ? 'stdin' : path, line } });
        if (records.length >= chunk) {
          yield records;
          records = [];
        }
      }
      if (records.length > 0) yield records;
    },
  };
}

/**
 * Standard input, copied to a temporary file before anything is stored. The embedded engine
 * (chDB) refuses an insert while data is waiting on the process's standard input ("inlined and
 * external data"), so the records must not still be in the pipe when the first batch goes in.
 * Returns the file and a function that removes it.
 */
export async function spoolStdin(stdin: Readable = process.stdin): Promise<{ path: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'ztna-stdin-'));
  const path = join(dir, 'stdin.ndjson');
  await pipelineAsync(stdin, createWriteStream(path));
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
