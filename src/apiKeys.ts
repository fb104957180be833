// Where the API keys come from: ZTNA_API_KEYS, ZTNA_API_KEYS_FILE (read again whenever it
// changes), or, for the embedded default only, an admin key generated once and kept (hashed)
// beside the data.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { hashApiKey, parseApiKeys, type ApiKey } from './api/auth.js';
import { newApiKey } from './api/keyEntry.js';
import { KeyFile } from './api/keyFile.js';
import { ConfigError, type Config } from './config.js';

/** How often the keys file's stat is compared, besides the change events of its folder. */
const KEY_FILE_POLL_MS = 5000;

export interface ApiKeys {
  /** The keys in force now. */
  current: () => readonly ApiKey[];
  /** Stops watching the keys file. */
  close: () => void;
}

export function loadApiKeys(config: Config, print: (line: string) => void, log: Logger): ApiKeys {
  const fixed = fromSetting('ZTNA_API_KEYS', () => parseApiKeys(config.ZTNA_API_KEYS ?? ''));
  const path = config.ZTNA_API_KEYS_FILE;
  if (path) {
    const file = fromSetting(
      'ZTNA_API_KEYS_FILE',
      () =>
        new KeyFile(path, {
          pollMs: KEY_FILE_POLL_MS,
          onReload: (count) => log.info({ file: path, keys: count }, 'API keys file read again'),
          onError: (err) => log.error({ file: path, err: err.message }, 'API keys file not used: the last good keys stay in force'),
        }),
    );
    return { current: () => (fixed.length > 0 ? [...fixed, ...file.keys] : file.keys), close: () => file.close() };
  }
  // In production (Kafka or a ClickHouse server), no key means no API: the 401s say why.
  const keys = fixed.length > 0 || config.KAFKA_BROKERS || config.CLICKHOUSE_URL ? fixed : embeddedKeys(config, print);
  return { current: () => keys, close: () => {} };
}

function embeddedKeys(config: Config, print: (line: string) => void): ApiKey[] {
  const file = join(config.ZTNA_DATA_DIR, 'api-keys');
  if (!existsSync(file)) {
    const key = newApiKey();
    mkdirSync(config.ZTNA_DATA_DIR, { recursive: true });
    writeFileSync(file, `# generated for the embedded default; only the hash is kept\nadmin:admin:${hashApiKey(key)}\n`, { mode: 0o600 });
    print(`ztna: generated an admin API key for this data directory (shown once, only its hash is kept): ${key}`);
  }
  return parseApiKeys(readFileSync(file, 'utf8'));
}

function fromSetting<T>(variable: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw new ConfigError(`invalid configuration:\n  ${variable}: ${(err as Error).message}`);
  }
}
