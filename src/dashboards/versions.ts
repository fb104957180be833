// The Grafana the dashboards are built for, and the ClickHouse plugin they query through. Each
// dashboard declares them (schemaVersion, and `__requires` as Grafana's own export does), docker
// compose runs the same, and test/unit/versions.test.ts holds the three equal.
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import { CLICKHOUSE, PROMETHEUS } from './queries.js';

export const GRAFANA_VERSION = '12.3.0';
/** The dashboard schema that Grafana writes (the version of its latest dashboard migration). */
export const GRAFANA_SCHEMA_VERSION = 42;
export const CLICKHOUSE_PLUGIN_VERSION = '4.11.2';

/** What a dashboard needs installed: Grafana, and the datasource plugins it queries through. */
export function dashboardRequires(dashboard: object): Array<{ type: string; id: string; name: string; version: string }> {
  const uses = (ref: DataSourceRef) => JSON.stringify(dashboard).includes(`"type":"${ref.type}"`);
  return [
    { type: 'grafana', id: 'grafana', name: 'Grafana', version: GRAFANA_VERSION },
    // Prometheus is built into Grafana: its version is Grafana's.
    ...(uses(PROMETHEUS) ? [{ type: 'datasource', id: PROMETHEUS.type!, name: 'Prometheus', version: GRAFANA_VERSION }] : []),
    ...(uses(CLICKHOUSE) ? [{ type: 'datasource', id: CLICKHOUSE.type!, name: 'ClickHouse', version: CLICKHOUSE_PLUGIN_VERSION }] : []),
  ];
}
