// `ztna import FILE…`: backfill history from NDJSON files (plain, .gz, or `-` for standard input)
// through the same normalize → store path as Kafka, in large batches, normalizing the next batch
// while the last one is stored. Invalid lines go to rejected_events with their file, line, bytes
// and reason. On a terminal it shows progress on stderr; it ends with one JSON summary line on stdout.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { batchingSettings, migrateOptions, requireSharedHmacKey, storeOptions, type Config } from '../config.js';
import { SOURCE_NAMES, type SourceChoice } from '../events/index.js';
import { resolveHmacKey } from '../hmacKey.js';
import { IngestPipeline, type IngestCounts } from '../pipeline/pipeline.js';
import { preparePoolSize } from '../pipeline/preparePool.js';
import { migrate, openStore } from '../store/index.js';
import { sealClosedMinutes } from '../store/sealMinutes.js';
import { BatchingRunner, type BatchingSettings } from '../sources/batching.js';
import { openNdjsonFile, spoolStdin, type NdjsonFile } from '../sources/files.js';
import { UsageError } from './usage.js';

export interface ImportProgress {
  file: string;
  bytesRead: number;
  /** Bytes of every file (compressed, for .gz). */
  bytesTotal: number;
  counts: IngestCounts;
  seconds: number;
}

export interface ImportSummary {
  files: number;
  read: number;
  stored: number;
  skipped: number;
  rejected: number;
  seconds: number;
  events_per_s: number;
}

export interface ImportOptions {
  files: readonly string[];
  /** Where standard input was spooled (`spoolStdin`), when a file is `-`. */
  spooledStdin?: string;
  batching: BatchingSettings;
  /** Called about every `progressMs` while importing, and once at the end. */
  onProgress?: (progress: ImportProgress) => void;
  progressMs?: number;
  /** Told of each failed attempt to store a batch (it is retried). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** A file that could not be read to its end, named with the reason. */
export class ImportError extends Error {}

/** Reads the records this many at a time: large enough to keep the batches full, small enough to stream. */
const READ_CHUNK = 2000;

export async function importFiles(pipeline: IngestPipeline, options: ImportOptions): Promise<ImportSummary> {
  const started = performance.now();
  const files = options.files.map((path) => openNdjsonFile(path, options.spooledStdin));
  const bytesTotal = files.reduce((sum, f) => sum + f.size, 0);
  let bytesDone = 0;
  let current: NdjsonFile | undefined;
  const progress = (): ImportProgress => ({
    file: current?.path ?? '',
    bytesRead: bytesDone + (current?.bytesRead() ?? 0),
    bytesTotal,
    counts: pipeline.counts,
    seconds: (performance.now() - started) / 1000,
  });
  const timer = options.onProgress ? setInterval(() => options.onProgress!(progress()), options.progressMs ?? 500) : undefined;
  const runner = new BatchingRunner<undefined>(
    pipeline,
    options.batching,
    {
      commit: async () => {}, // a file has no position to commit: an interrupted import is run again, and the store collapses repeats
      onRetry: options.onRetry ?? (() => {}),
    },
    // Nothing replays a file: what was read is stored, however long the store takes to come back.
    { whenClosing: 'keep trying' },
  );
  try {
    for (const file of files) {
      current = file;
      try {
        for await (const records of file.records(READ_CHUNK)) await runner.add(records, undefined);
      } catch (err) {
        throw new ImportError(`${file.path}: ${(err as Error).message} (what was read before it is stored)`);
      }
      bytesDone += file.bytesRead();
      current = undefined;
    }
  } finally {
    if (timer) clearInterval(timer);
    await runner.close();
  }
  options.onProgress?.(progress());
  const { counts } = pipeline;
  const seconds = (performance.now() - started) / 1000;
  return {
    files: files.length,
    read: counts.read,
    stored: counts.normalized,
    skipped: counts.skipped,
    rejected: counts.rejected,
    seconds: Number(seconds.toFixed(3)),
    events_per_s: Math.round(counts.read / seconds),
  };
}

/** One line for a terminal: how far, how fast, what was refused, how long is left. */
export function progressLine(p: ImportProgress): string {
  const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
  const rate = p.seconds > 0 ? p.counts.read / p.seconds : 0;
  const share = p.bytesTotal > 0 ? p.bytesRead / p.bytesTotal : 1;
  const left = share > 0 && share < 1 ? ` · ${Math.ceil((p.seconds / share) * (1 - share))} s left` : '';
  const done = `${mib(p.bytesRead)} of ${mib(p.bytesTotal)} (${(share * 100).toFixed(0)} %)`;
  return `ztna import: ${done} · ${p.counts.read.toLocaleString('en')} events · ${Math.round(rate).toLocaleString('en')} events/s · ${p.counts.rejected} rejected${left}`;
}

/** `ztna import FILE… [--source NAME]`: parses its arguments, opens the store, imports, reports. */
export async function importCli(args: readonly string[], config: Config): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { source: { type: 'string', default: 'auto' } },
  });
  if (positionals.length === 0) throw new UsageError('ztna import: name one or more NDJSON files (plain or .gz), or - for standard input');
  if (!(SOURCE_NAMES as readonly string[]).includes(values.source))
    throw new UsageError(`ztna import: --source must be one of ${SOURCE_NAMES.join(', ')}`);
  for (const file of positionals) if (file !== '-' && !existsSync(file)) throw new UsageError(`ztna import: no such file: ${file}`);
  requireSharedHmacKey(config);
  // Before the store opens: chDB refuses inserts while data waits on standard input.
  const stdin = positionals.includes('-') ? await spoolStdin() : undefined;
  const store = openStore(storeOptions(config));
  try {
    await migrate(store, migrateOptions(config));
    const pipeline = new IngestPipeline(
      store,
      {
        source: values.source as SourceChoice,
        maxBytes: config.ZTNA_MAX_EVENT_BYTES,
        hmacKey: resolveHmacKey(config.ZTNA_HMAC_KEY, config.ZTNA_DATA_DIR),
        defaultTenant: config.ZTNA_DEFAULT_TENANT,
      },
      { workers: preparePoolSize(config.ZTNA_PREPARE_WORKERS), deadLetterExactBytes: config.ZTNA_DEAD_LETTER_EXACT_BYTES },
    );
    const terminal = process.stderr.isTTY;
    const summary = await importFiles(pipeline, {
      files: positionals,
      spooledStdin: stdin?.path,
      batching: batchingSettings(config),
      onProgress: terminal ? (p) => process.stderr.write(`\r${progressLine(p)}\u001b[K`) : undefined,
      onRetry: (err, attempt, delayMs) =>
        process.stderr.write(
          `ztna import: store refused a batch (attempt ${attempt}: ${(err as Error).message}); retrying in ${delayMs / 1000} s\n`,
        ),
    }).finally(() => pipeline.close());
    if (terminal) process.stderr.write('\n');
    // Imported history is mostly closed minutes: sealed now, its week-long reads are fast at once.
    await sealClosedMinutes(store);
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } finally {
    await store.close();
    stdin?.remove();
  }
}
