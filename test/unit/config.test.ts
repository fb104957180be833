import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, requireSharedHmacKey } from '../../src/config.js';

describe('configuration', () => {
  it('has working defaults for the embedded mode', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      ZTNA_DATA_DIR: './data',
      ZTNA_TOPIC_AUTH: 'ztna.auth',
      ZTNA_TOPIC_DEADLETTER: 'ztna.deadletter',
      ZTNA_RETENTION_DAYS: 400,
    });
    expect(config.KAFKA_BROKERS).toBeUndefined();
  });

  it('parses the broker list', () => {
    expect(loadConfig({ KAFKA_BROKERS: 'a:9092, b:9093' }).KAFKA_BROKERS).toEqual(['a:9092', 'b:9093']);
  });

  it('stops with the name of each variable that is wrong', () => {
    const attempt = () =>
      loadConfig({
        ZTNA_RETENTION_DAYS: 'forever',
        KAFKA_BROKERS: 'no-port',
        ZTNA_TOPIC_AUTH: 'bad topic!',
        ZTNA_SIM_SCENARIOS: 'earthquake@1m+2m',
      });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/ZTNA_RETENTION_DAYS/);
    expect(attempt).toThrow(/KAFKA_BROKERS/);
    expect(attempt).toThrow(/ZTNA_TOPIC_AUTH/);
    expect(attempt).toThrow(/ZTNA_SIM_SCENARIOS: unknown scenario earthquake/);
  });

  it('stops on a credential rotation policy that is not a whole number of days from 1 to 3650', () => {
    expect(loadConfig({}).ZTNA_CREDENTIAL_MAX_AGE_DAYS).toBe(90);
    expect(loadConfig({ ZTNA_CREDENTIAL_MAX_AGE_DAYS: '30' }).ZTNA_CREDENTIAL_MAX_AGE_DAYS).toBe(30);
    for (const bad of ['0', '90d', '1.5', '4000'])
      expect(() => loadConfig({ ZTNA_CREDENTIAL_MAX_AGE_DAYS: bad }), bad).toThrow(
        /^invalid configuration:\n {2}ZTNA_CREDENTIAL_MAX_AGE_DAYS: /,
      );
  });

  it('requires a shared HMAC key once replicas can share topics or a store', () => {
    expect(() => requireSharedHmacKey(loadConfig({ KAFKA_BROKERS: 'k:9092' }))).toThrow(/ZTNA_HMAC_KEY/);
    expect(() => requireSharedHmacKey(loadConfig({}))).not.toThrow();
  });
});
