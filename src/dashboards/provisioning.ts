// Grafana provisioning for docker compose: the two datasources with the UIDs the dashboards
// reference, and a file provider for dashboards/. Compose mounts them (see docker-compose.yml).
import { CLICKHOUSE, PROMETHEUS } from './queries.js';

/** Where compose mounts dashboards/ inside the Grafana container. */
export const GRAFANA_DASHBOARDS_PATH = '/var/lib/grafana/dashboards/ztna';

export const grafanaDatasources = () => ({
  apiVersion: 1,
  datasources: [
    {
      name: 'Prometheus',
      uid: PROMETHEUS.uid,
      type: PROMETHEUS.type,
      access: 'proxy',
      url: 'http://prometheus:9090',
      isDefault: true,
      editable: false,
    },
    {
      name: 'ClickHouse',
      uid: CLICKHOUSE.uid,
      type: CLICKHOUSE.type,
      editable: false,
      jsonData: { host: 'clickhouse', port: 9000, protocol: 'native', defaultDatabase: 'ztna', username: 'ztna' },
      // Grafana expands $VAR from its environment: compose passes CLICKHOUSE_PASSWORD.
      secureJsonData: { password: '$CLICKHOUSE_PASSWORD' },
    },
  ],
});

export const grafanaDashboardProvider = () => ({
  apiVersion: 1,
  providers: [
    {
      name: 'ztna-telemetry',
      folder: 'ztna-telemetry',
      type: 'file',
      disableDeletion: true,
      allowUiUpdates: false,
      options: { path: GRAFANA_DASHBOARDS_PATH },
    },
  ],
});
