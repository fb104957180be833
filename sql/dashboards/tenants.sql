-- Tenants with SLI data, for the tenant picker.
SELECT DISTINCT tenant FROM sli_minute ORDER BY tenant
