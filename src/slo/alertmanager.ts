// The example Alertmanager routing: every alert to ztna-telemetry's webhook first (it records
// them so that incidents count the pages; `continue` passes each on), then pages to the pager,
// tickets to the ticket queue, grouped by SLO, and a ticket held back while the same SLO pages.
export interface AlertmanagerReceivers {
  pagerUrl: string;
  ticketUrl: string;
  /** POST /api/v1/alerts of the service. */
  ztnaUrl: string;
  /** A file holding an API key of the ingest role (ZTNA_API_KEYS), sent as a bearer token. */
  ztnaKeyFile: string;
}

export const EXAMPLE_RECEIVERS: AlertmanagerReceivers = {
  pagerUrl: 'http://pager.example.internal/ztna/page',
  ticketUrl: 'http://tickets.example.internal/ztna/ticket',
  ztnaUrl: 'http://ztna:8080/api/v1/alerts',
  ztnaKeyFile: '/etc/alertmanager/secrets/ztna-ingest-key',
};

export function alertmanagerExample(receivers: AlertmanagerReceivers = EXAMPLE_RECEIVERS): object {
  return {
    route: {
      receiver: 'ticket',
      group_by: ['slo'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        { receiver: 'ztna', continue: true },
        { receiver: 'pager', matchers: ['severity="page"'] },
        { receiver: 'ticket', matchers: ['severity="ticket"'] },
      ],
    },
    receivers: [
      {
        name: 'ztna',
        webhook_configs: [
          { url: receivers.ztnaUrl, send_resolved: true, http_config: { authorization: { credentials_file: receivers.ztnaKeyFile } } },
        ],
      },
      { name: 'pager', webhook_configs: [{ url: receivers.pagerUrl, send_resolved: true }] },
      { name: 'ticket', webhook_configs: [{ url: receivers.ticketUrl, send_resolved: false }] },
    ],
    inhibit_rules: [{ source_matchers: ['severity="page"'], target_matchers: ['severity="ticket"'], equal: ['slo', 'tenant'] }],
  };
}
