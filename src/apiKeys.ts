// Where the API keys come from: ZTNA_API_KEYS, ZTNA_API_KEYS_FILE, or, for the embedded
// default only, an admin key generated once and kept (hashed) beside the data.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashApiKey, parseApiKeys, type ApiKey } from './api/auth.js';
import { ConfigError, type Config } from './config.js';

export function loadApiKeys(config: Config, print: (line: string) => void): ApiKey[] {
  const keys = [
    fromSetting('ZTNA_API_KEYS', () => config.ZTNA_API_KEYS),
    fromSetting('ZTNA_API_KEYS_FILE', () => (config.ZTNA_API_KEYS_FILE ? readFileSync(config.ZTNA_API_KEYS_FILE, 'utf8') : undefined)),
  ].flat();
  if (keys.length > 0) return keys;
  if (config.KAFKA_BROKERS || config.CLICKHOUSE_URL) return []; // production: no key, no API (401s say why)
  const file = join(config.ZTNA_DATA_DIR, 'api-keys');
  if (!existsSync(file)) {
    const key = `ztna_${randomBytes(24).toString('base64url')}`;
    mkdirSync(config.ZTNA_DATA_DIR, { recursive: true });
    writeFileSync(file, `# generated for the embedded default; only the hash is kept\nadmin:admin:${hashApiKey(key)}\n`, { mode: 0o600 });
    print(`ztna: generated an admin API key for this data directory (shown once, only its hash is kept): ${key}`);
  }
  return parseApiKeys(readFileSync(file, 'utf8'));
}

function fromSetting(variable: string, text: () => string | undefined): ApiKey[] {
  try {
    const value = text();
    return value ? parseApiKeys(value) : [];
  } catch (err) {
    throw new ConfigError(`invalid configuration:\n  ${variable}: ${(err as Error).message}`);
  }
}
