// The registry of sources: every supported shape once, in detection order, and by name.
import { describe, expect, it } from 'vitest';
import { normalizeRecord, SOURCE_NAMES } from '../../src/events/index.js';
import { SOURCES, sourceNamed } from '../../src/events/sources/index.js';
import { FIXTURE_SOURCES, fixtureLines, normalizeOptions } from '../support/helpers.js';

describe('source registry', () => {
  it('lists every source once, the most specific shape first and our own native format last', () => {
    expect(SOURCES.map((s) => s.name)).toEqual(['okta', 'entra', 'opa', 'keycloak', 'native']);
    expect(SOURCE_NAMES).toEqual(['auto', 'okta', 'entra', 'opa', 'keycloak', 'native']);
  });

  it('finds a source by its name, and no other', () => {
    for (const source of SOURCES) expect(sourceNamed(source.name)).toBe(source);
    expect(sourceNamed('splunk')).toBeUndefined();
    expect(sourceNamed('auto')).toBeUndefined();
  });

  it('detects each fixture record as its own source: no earlier source in the order claims it', () => {
    expect(FIXTURE_SOURCES).toHaveLength(SOURCES.length);
    for (const name of FIXTURE_SOURCES) {
      const lines = fixtureLines(name);
      expect(lines.length, name).toBeGreaterThan(0);
      for (const line of lines) expect(SOURCES.find((s) => s.detect(JSON.parse(line)))?.name, line).toBe(name);
    }
  });

  it('normalizes a record asked for by name only with that source', () => {
    const [okta] = fixtureLines('okta');
    expect(normalizeRecord(okta!, normalizeOptions({ source: 'okta' })).status).not.toBe('rejected');
    expect(normalizeRecord(okta!, normalizeOptions({ source: 'opa' }))).toEqual({ status: 'rejected', reason: 'not a opa event' });
  });
});
