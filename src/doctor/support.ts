// What each external system may run, as `ztna doctor` checks it and the README's "Versions"
// table states it (test/unit/versions.test.ts holds the three together with docker-compose.yml).
import { OLDEST_CLICKHOUSE } from './clickhouseFeatures.js';
import { compareVersions } from './versions.js';

export interface SupportRange {
  system: string;
  /** The oldest release line that works. */
  oldest: string;
  /** The line the tests run (and docker compose pins). */
  tested: string;
  /** The first line known not to work, if any. */
  brokenFrom?: string;
}

export const SUPPORT = {
  // The tested line is chDB's engine (chDB 3.4.0 = ClickHouse 26.7); the oldest, the newest release a SQL feature needs.
  clickhouse: { system: 'ClickHouse', oldest: OLDEST_CLICKHOUSE, tested: '26.7' },
  // kafkajs 2.2.4 speaks protocol versions that Kafka 4.0 removed (KIP-896).
  kafka: { system: 'Kafka', oldest: '3.0', tested: '3.9', brokenFrom: '4.0' },
  prometheus: { system: 'Prometheus', oldest: '2.42', tested: '2.42' },
} as const satisfies Record<string, SupportRange>;

/** Whether a version is in the range, in plain words when it is not (undefined when it is). */
export function outOfRange(version: string, range: SupportRange): string | undefined {
  if (compareVersions(version, range.oldest) < 0) return `${range.system} ${version} is older than ${range.oldest}, the oldest supported`;
  if (range.brokenFrom && compareVersions(version, range.brokenFrom) >= 0)
    return `${range.system} ${version} is not supported (${range.brokenFrom} and later are not)`;
  return undefined;
}

/** How the range reads in a line of output: "25.4 or later (tested 26.7)". */
export function describeRange(range: SupportRange): string {
  const upper = range.brokenFrom ? `, before ${range.brokenFrom}` : ' or later';
  return `${range.oldest}${upper} (tested ${range.tested})`;
}
