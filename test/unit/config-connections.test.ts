// The Kafka and ClickHouse connection settings: what they build, and the errors that name the
// variable to fix (never a secret's value).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, kafkaClientSettings, loadConfig, storeOptions } from '../../src/config.js';
import { tempDir } from '../support/helpers.js';

const dir = tempDir('config-connections');
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const ca = file('ca.pem', 'CA PEM');
const cert = file('client.pem', 'CERT PEM');
const key = file('client.key', 'KEY PEM');
const PASSWORD = 'correct horse battery staple';

/** The configuration's error message, or '' when it loads. */
const problems = (env: NodeJS.ProcessEnv): string => {
  try {
    loadConfig(env);
    return '';
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
};

describe('Kafka connection settings', () => {
  it('builds TLS and SASL settings, reading the files once and trimming the password file’s final newline', () => {
    const config = loadConfig({
      KAFKA_BROKERS: 'b1:9093,b2:9093',
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: ca,
      KAFKA_SSL_CERT_FILE: cert,
      KAFKA_SSL_KEY_FILE: key,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'ztna',
      KAFKA_SASL_PASSWORD_FILE: file('password', `${PASSWORD}\n`),
    });
    const settings = kafkaClientSettings(config, config.KAFKA_BROKERS!);
    expect(settings).toMatchObject({
      brokers: ['b1:9093', 'b2:9093'],
      clientId: 'ztna-telemetry',
      sasl: { mechanism: 'scram-sha-512', username: 'ztna', password: PASSWORD },
      tls: { verifyHostname: true },
    });
    expect([settings.tls?.ca, settings.tls?.cert, settings.tls?.key].map(String)).toEqual(['CA PEM', 'CERT PEM', 'KEY PEM']);
  });

  it('connects in plaintext without SASL unless told otherwise, and skips only the host-name check when asked', () => {
    expect(kafkaClientSettings(loadConfig({}), ['k:9092'])).toEqual({
      brokers: ['k:9092'],
      clientId: 'ztna-telemetry',
      tls: undefined,
      sasl: undefined,
    });
    const settings = kafkaClientSettings(loadConfig({ KAFKA_SSL: 'true', KAFKA_SSL_VERIFY_HOSTNAME: 'false' }), ['k:9093']);
    expect(settings.tls).toEqual({ ca: undefined, cert: undefined, key: undefined, verifyHostname: false });
  });

  it('takes an OAUTHBEARER token file, to be read at every authentication', () => {
    const token = file('token', 'header.payload.');
    const config = loadConfig({ KAFKA_SSL: 'yes', KAFKA_SASL_MECHANISM: 'oauthbearer', KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: token });
    expect(kafkaClientSettings(config, ['k:9093']).sasl).toEqual({ mechanism: 'oauthbearer', tokenFile: token });
  });

  const refused: [string, NodeJS.ProcessEnv, RegExp][] = [
    ['TLS files without TLS', { KAFKA_SSL_CA_FILE: ca }, /KAFKA_SSL_CA_FILE: needs KAFKA_SSL=true/],
    ['a host-name opt-out without TLS', { KAFKA_SSL_VERIFY_HOSTNAME: 'false' }, /KAFKA_SSL_VERIFY_HOSTNAME: needs KAFKA_SSL=true/],
    [
      'a file that cannot be read',
      { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') },
      /KAFKA_SSL_CA_FILE: cannot read .*missing\.pem/,
    ],
    [
      'a certificate without its key',
      { KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: cert },
      /KAFKA_SSL_KEY_FILE: required with KAFKA_SSL_CERT_FILE/,
    ],
    ['a switch that is not a boolean', { KAFKA_SSL: 'maybe' }, /KAFKA_SSL: /],
    ['an unknown mechanism', { KAFKA_SASL_MECHANISM: 'gssapi' }, /KAFKA_SASL_MECHANISM: .*scram-sha-512/],
    [
      'SCRAM without a user',
      { KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_PASSWORD: PASSWORD },
      /KAFKA_SASL_USERNAME: required with KAFKA_SASL_MECHANISM=scram-sha-256/,
    ],
    [
      'PLAIN without a password',
      { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' },
      /KAFKA_SASL_PASSWORD: required \(or KAFKA_SASL_PASSWORD_FILE\)/,
    ],
    [
      'a password twice',
      { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: PASSWORD, KAFKA_SASL_PASSWORD_FILE: key },
      /KAFKA_SASL_PASSWORD_FILE: set KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both/,
    ],
    [
      'credentials without a mechanism',
      { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: PASSWORD },
      /KAFKA_SASL_PASSWORD: needs KAFKA_SASL_MECHANISM/,
    ],
    [
      'OAUTHBEARER without a token file',
      { KAFKA_SASL_MECHANISM: 'OAUTHBEARER' },
      /KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: required with KAFKA_SASL_MECHANISM=oauthbearer/,
    ],
    [
      'OAUTHBEARER with a password',
      { KAFKA_SASL_MECHANISM: 'oauthbearer', KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: key, KAFKA_SASL_PASSWORD: PASSWORD },
      /KAFKA_SASL_PASSWORD: not used with/,
    ],
  ];
  for (const [name, env, message] of refused) {
    it(`refuses ${name}, naming the variable and not the password`, () => {
      const text = problems(env);
      expect(text).toMatch(/^invalid configuration:/);
      expect(text).toMatch(message);
      expect(text).not.toContain(PASSWORD);
    });
  }
});

describe('ClickHouse connection settings', () => {
  it('builds https with a private CA and a client certificate, the password from a file, the timeout and compression', () => {
    const config = loadConfig({
      CLICKHOUSE_URL: 'https://ch.example:8443',
      CLICKHOUSE_USER: 'ztna',
      CLICKHOUSE_PASSWORD_FILE: file('ch-password', `${PASSWORD}\r\n`),
      CLICKHOUSE_DATABASE: 'ztna',
      CLICKHOUSE_CA_FILE: ca,
      CLICKHOUSE_CERT_FILE: cert,
      CLICKHOUSE_KEY_FILE: key,
      CLICKHOUSE_REQUEST_TIMEOUT_MS: '120000',
      CLICKHOUSE_COMPRESSION: 'both',
    });
    const { clickhouse } = storeOptions(config);
    expect(clickhouse).toMatchObject({
      url: 'https://ch.example:8443',
      username: 'ztna',
      password: PASSWORD,
      database: 'ztna',
      requestTimeoutMs: 120_000,
      compression: 'both',
    });
    expect([clickhouse?.tls?.ca, clickhouse?.tls?.cert, clickhouse?.tls?.key].map(String)).toEqual(['CA PEM', 'CERT PEM', 'KEY PEM']);
  });

  it('keeps the defaults: the system CAs, 30 s, no compression', () => {
    expect(storeOptions(loadConfig({ CLICKHOUSE_URL: 'https://ch.example:8443', CLICKHOUSE_PASSWORD: PASSWORD })).clickhouse).toMatchObject(
      {
        password: PASSWORD,
        tls: undefined,
        requestTimeoutMs: 30_000,
        compression: 'none',
      },
    );
  });

  const refused: [string, NodeJS.ProcessEnv, RegExp][] = [
    [
      'a CA for plain http',
      { CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CA_FILE: ca },
      /CLICKHOUSE_CA_FILE: needs an https:\/\/ CLICKHOUSE_URL/,
    ],
    [
      'a client certificate without the CA',
      { CLICKHOUSE_URL: 'https://ch:8443', CLICKHOUSE_CERT_FILE: cert, CLICKHOUSE_KEY_FILE: key },
      /CLICKHOUSE_CA_FILE: required with CLICKHOUSE_CERT_FILE/,
    ],
    [
      'a key without its certificate',
      { CLICKHOUSE_URL: 'https://ch:8443', CLICKHOUSE_CA_FILE: ca, CLICKHOUSE_KEY_FILE: key },
      /CLICKHOUSE_CERT_FILE: required with CLICKHOUSE_KEY_FILE/,
    ],
    [
      'a password twice',
      { CLICKHOUSE_URL: 'https://ch:8443', CLICKHOUSE_PASSWORD: PASSWORD, CLICKHOUSE_PASSWORD_FILE: key },
      /CLICKHOUSE_PASSWORD_FILE: set CLICKHOUSE_PASSWORD or CLICKHOUSE_PASSWORD_FILE, not both/,
    ],
    ['an unknown compression', { CLICKHOUSE_COMPRESSION: 'zstd' }, /CLICKHOUSE_COMPRESSION: /],
    ['a timeout below a second', { CLICKHOUSE_REQUEST_TIMEOUT_MS: '10' }, /CLICKHOUSE_REQUEST_TIMEOUT_MS: /],
  ];
  for (const [name, env, message] of refused) {
    it(`refuses ${name}, naming the variable and not the password`, () => {
      const text = problems(env);
      expect(text).toMatch(message);
      expect(text).not.toContain(PASSWORD);
    });
  }
});
