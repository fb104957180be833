#!/usr/bin/env node
// The `ztna` command: run · simulate · normalize · import · score · migrate · generate.
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, migrateOptions, scorerOptions, storeOptions, type Config } from './config.js';
import { createLogger } from './log.js';
import { resolveHmacKey } from './hmacKey.js';
import { SOURCE_NAMES, type SourceChoice } from './events/index.js';
import { normalizeCommand } from './commands/normalize.js';
import { scoreCommand } from './commands/score.js';
import { simulateCli } from './commands/simulate.js';
import { UsageError } from './commands/usage.js';
import { startService } from './commands/run.js';
import { generate } from './commands/generate.js';
import { ImportError, importCli } from './commands/import.js';
import { keysCli } from './commands/keys.js';
import { forgetCli } from './commands/forget.js';
import { doctorCommand } from './commands/doctor.js';
import { SCENARIOS } from './simulate/scenarios.js';
import { migrate, openStore } from './store/index.js';

const USAGE = `ztna — access-telemetry analytics and SLO pipeline for zero-trust access

usage: ztna <command> [options]

  run                          the service (default): simulator or Kafka → normalize → ClickHouse
  simulate [options]           realistic traffic as NDJSON on stdout, or onto Kafka
      --seed N                 PRNG seed (default 1); same seed and --start, same output
      --start ISO              simulated start time (default: today 00:00 UTC)
      --events N               stop after N records
      --rate R                 R records per second in real time (default: as fast as possible)
      --to stdout|kafka        where to send (kafka uses KAFKA_BROKERS and the ZTNA_TOPIC_* topics)
      --invalid-share X        share of malformed records (default 0)
      --not-access-share X     share of vendor events that are not access events (default 0)
      --scenario NAME[/SHAPE][@OFFSET+DURATION]
                               inject an incident or attack (repeatable): ${SCENARIOS.join(', ')};
                               e.g. brute-force@30m+10m, or mfa-fatigue/duo@10m+5m for its logins as a vendor's
                               records; without a window, the i-th takes 20m + i·25m for 12m
      --labels FILE            write each injected scenario's ground truth (NDJSON: scenario, shape, start, end, tenant, keys)
      --truth FILE             write each record's ground truth, line for line
  normalize [options]          vendor NDJSON on stdin → canonical NDJSON on stdout, every event a record carries
                               (an Entra sign-in's Conditional Access decisions, a device's posture); counts on stderr
      --source NAME            ${SOURCE_NAMES.join('|')} (default auto)
      --rejects FILE           write each rejected line with its reason
  import FILE… [--source NAME] backfill history: NDJSON files (plain or .gz, - for stdin) through the pipeline into
                               the store, in large batches; progress on a terminal, a JSON summary on stdout
  score [--source NAME]        the anomaly scorers offline: events on stdin (every event a record carries) → anomalies
                               (NDJSON) on stdout; counts on stderr
  migrate                      apply the ClickHouse migrations and exit
  generate [--check]           write the generated files (schemas/); --check fails if one is stale
  keys new --name N --role R --tenants a,b|* [--expires 90d|YYYY-MM-DD]
                               make an API key: prints the key once and its configuration entry (only its hash)
  forget --principal P [--tenant T] [--by NAME]
                               erase a principal: their events, rollup rows, anomalies and dead letters, and
                               every running replica's scorer state of them (ztna.control); recorded as an audit
                               event naming them by HMAC only; a JSON summary on stdout
  doctor                       check the configured Kafka, ClickHouse and Prometheus: versions against the supported
                               ranges, migrations, topics; exit code 1 when something is wrong

Configuration is read from the environment: see README.md.`;

const rootDir = fileURLToPath(new URL('..', import.meta.url));

async function main(argv: string[]): Promise<number> {
  const [command = 'run', ...rest] = argv;
  switch (command) {
    case 'run':
      return run(loadConfig());
    case 'simulate':
      return simulateCli(rest);
    case 'normalize':
      return normalizeCli(rest);
    case 'score':
      return scoreCli(rest);
    case 'import':
      return importCli(rest, loadConfig());
    case 'forget':
      return forgetCli(rest, loadConfig());
    case 'migrate': {
      const config = loadConfig();
      const store = openStore(storeOptions(config));
      const result = await migrate(store, migrateOptions(config));
      await store.close();
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    }
    case 'generate': {
      const { values } = parseArgs({ args: rest, options: { check: { type: 'boolean', default: false } } });
      const stale = generate(rootDir, values.check);
      for (const path of stale) process.stderr.write(`${values.check ? 'stale' : 'wrote'}: ${path}\n`);
      if (values.check && stale.length > 0) {
        process.stderr.write('generated files are stale: run `npx ztna generate` and commit the result\n');
        return 1;
      }
      return 0;
    }
    case 'doctor':
      return doctorCommand(loadConfig(), (line) => process.stdout.write(`${line}\n`));
    case 'keys':
      return keysCli(
        rest,
        (line) => process.stdout.write(`${line}\n`),
        (line) => process.stderr.write(`${line}\n`),
      );
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`unknown command: ${command}\n\n${USAGE}\n`);
      return 2;
  }
}

async function run(config: Config): Promise<number> {
  const log = createLogger(config.LOG_LEVEL);
  // Installed before anything starts, so a stop during start-up (the store still being waited out) is clean too.
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const service = await startService(config, log, (line) => process.stdout.write(`${line}\n`));
  const startFailed = service.started.then(
    () => new Promise<never>(() => {}),
    (err: unknown) => err as Error,
  );
  const outcome = await Promise.race([stopRequested.then((signal) => ({ signal })), startFailed.then((err) => ({ err }))]);
  if ('err' in outcome) {
    log.fatal({ err: outcome.err }, 'start-up failed');
    process.stderr.write(`ztna: start-up failed: ${outcome.err.message}\n`);
    await service.stop();
    return 1;
  }
  log.info({ signal: outcome.signal }, 'stopping: finishing the batch in flight');
  await service.stop();
  const c = service.pipeline.counts;
  process.stdout.write(`ztna: stopped cleanly · ${c.read} read · ${c.normalized} stored · ${c.rejected} rejected · ${c.skipped} skipped\n`);
  return 0;
}

async function normalizeCli(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { source: { type: 'string', default: 'auto' }, rejects: { type: 'string' } } });
  const source = sourceChoice(values.source);
  const config = loadConfig();
  const counts = await normalizeCommand(
    {
      source,
      rejectsFile: values.rejects,
      hmacKey: resolveHmacKey(config.ZTNA_HMAC_KEY, config.ZTNA_DATA_DIR),
      maxBytes: config.ZTNA_MAX_EVENT_BYTES,
      defaultTenant: config.ZTNA_DEFAULT_TENANT,
    },
    process.stdin,
    process.stdout,
  );
  process.stderr.write(`${JSON.stringify(counts)}\n`);
  return 0;
}

async function scoreCli(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { source: { type: 'string', default: 'auto' } } });
  const config = loadConfig();
  const counts = await scoreCommand(
    {
      source: sourceChoice(values.source),
      hmacKey: resolveHmacKey(config.ZTNA_HMAC_KEY, config.ZTNA_DATA_DIR),
      maxBytes: config.ZTNA_MAX_EVENT_BYTES,
      defaultTenant: config.ZTNA_DEFAULT_TENANT,
      scorers: scorerOptions(config),
    },
    process.stdin,
    process.stdout,
  );
  process.stderr.write(`${JSON.stringify(counts)}\n`);
  return 0;
}

function sourceChoice(value: string): SourceChoice {
  if (!(SOURCE_NAMES as readonly string[]).includes(value))
    throw new UsageError(`--source must be one of ${SOURCE_NAMES.join(', ')}, got ${value}`);
  return value as SourceChoice;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`ztna: ${(err as Error).message}\n`);
      process.exitCode = 2;
    } else if (err instanceof ImportError) {
      process.stderr.write(`ztna import: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`ztna: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
