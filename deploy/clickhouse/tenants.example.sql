-- ClickHouse users for direct SQL and Grafana: a read-only analyst per tenant (README: "Direct SQL and Grafana per tenant").
-- Generated from deploy/clickhouse/tenants.example.yaml (src/store/tenantUsers.ts): do not edit by hand. Run as a user with access management:
--   clickhouse-client --multiquery < this file

-- acme: analyst_acme reads acme's rows only.
CREATE ROLE IF NOT EXISTS `ztna_tenant_acme`;
GRANT SELECT ON `ztna`.`events` TO `ztna_tenant_acme`;
GRANT SELECT ON `ztna`.`access_events` TO `ztna_tenant_acme`;
GRANT SELECT ON `ztna`.`anomalies` TO `ztna_tenant_acme`;
GRANT SELECT ON `ztna`.`alert_pages` TO `ztna_tenant_acme`;
GRANT SELECT ON `ztna`.`sli_minute` TO `ztna_tenant_acme`;
GRANT SELECT ON `ztna`.`sli_minute_sealed` TO `ztna_tenant_acme`;
GRANT SELECT ON `ztna`.`emitter_minute` TO `ztna_tenant_acme`;
GRANT SELECT ON `ztna`.`denial_minute` TO `ztna_tenant_acme`;
GRANT SELECT ON `ztna`.`denial_minute_sealed` TO `ztna_tenant_acme`;
GRANT SELECT ON `ztna`.`principal_hour` TO `ztna_tenant_acme`;
GRANT SELECT ON `ztna`.`subject_hour` TO `ztna_tenant_acme`;
GRANT SELECT ON `ztna`.`long_lived_token_uses` TO `ztna_tenant_acme`;
GRANT SELECT ON `ztna`.`service_credentials` TO `ztna_tenant_acme`;
GRANT SELECT ON `ztna`.`principal_app_day` TO `ztna_tenant_acme`;
GRANT SELECT ON `ztna`.`sli_minute_counts` TO `ztna_tenant_acme`;
GRANT SELECT ON `ztna`.`denial_minute_counts` TO `ztna_tenant_acme`;
CREATE ROW POLICY IF NOT EXISTS `ztna_tenant_acme` ON `ztna`.`events`, `ztna`.`access_events`, `ztna`.`anomalies`, `ztna`.`alert_pages`, `ztna`.`sli_minute`, `ztna`.`sli_minute_sealed`, `ztna`.`emitter_minute`, `ztna`.`denial_minute`, `ztna`.`denial_minute_sealed`, `ztna`.`principal_hour`, `ztna`.`subject_hour`, `ztna`.`long_lived_token_uses`, `ztna`.`service_credentials`, `ztna`.`principal_app_day` FOR SELECT USING tenant = 'acme' TO `ztna_tenant_acme`;
CREATE USER IF NOT EXISTS `analyst_acme` IDENTIFIED WITH sha256_hash BY 'set me: echo -n PASSWORD | sha256sum' DEFAULT DATABASE `ztna` SETTINGS readonly = 1;
GRANT `ztna_tenant_acme` TO `analyst_acme`;

-- globex: globex_grafana reads globex's rows only.
CREATE ROLE IF NOT EXISTS `ztna_tenant_globex`;
GRANT SELECT ON `ztna`.`events` TO `ztna_tenant_globex`;
GRANT SELECT ON `ztna`.`access_events` TO `ztna_tenant_globex`;
GRANT SELECT ON `ztna`.`anomalies` TO `ztna_tenant_globex`;
GRANT SELECT ON `ztna`.`alert_pages` TO `ztna_tenant_globex`;
GRANT SELECT ON `ztna`.`sli_minute` TO `ztna_tenant_globex`;
GRANT SELECT ON `ztna`.`sli_minute_sealed` TO `ztna_tenant_globex`;
GRANT SELECT ON `ztna`.`emitter_minute` TO `ztna_tenant_globex`;
GRANT SELECT ON `ztna`.`denial_minute` TO `ztna_tenant_globex`;
GRANT SELECT ON `ztna`.`denial_minute_sealed` TO `ztna_tenant_globex`;
GRANT SELECT ON `ztna`.`principal_hour` TO `ztna_tenant_globex`;
GRANT SELECT ON `ztna`.`subject_hour` TO `ztna_tenant_globex`;
GRANT SELECT ON `ztna`.`long_lived_token_uses` TO `ztna_tenant_globex`;
GRANT SELECT ON `ztna`.`service_credentials` TO `ztna_tenant_globex`;
GRANT SELECT ON `ztna`.`principal_app_day` TO `ztna_tenant_globex`;
GRANT SELECT ON `ztna`.`sli_minute_counts` TO `ztna_tenant_globex`;
GRANT SELECT ON `ztna`.`denial_minute_counts` TO `ztna_tenant_globex`;
CREATE ROW POLICY IF NOT EXISTS `ztna_tenant_globex` ON `ztna`.`events`, `ztna`.`access_events`, `ztna`.`anomalies`, `ztna`.`alert_pages`, `ztna`.`sli_minute`, `ztna`.`sli_minute_sealed`, `ztna`.`emitter_minute`, `ztna`.`denial_minute`, `ztna`.`denial_minute_sealed`, `ztna`.`principal_hour`, `ztna`.`subject_hour`, `ztna`.`long_lived_token_uses`, `ztna`.`service_credentials`, `ztna`.`principal_app_day` FOR SELECT USING tenant = 'globex' TO `ztna_tenant_globex`;
CREATE USER IF NOT EXISTS `globex_grafana` IDENTIFIED WITH sha256_hash BY 'set me: echo -n PASSWORD | sha256sum' DEFAULT DATABASE `ztna` SETTINGS readonly = 1;
GRANT `ztna_tenant_globex` TO `globex_grafana`;
