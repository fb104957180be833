// The example Alertmanager routing: pages to the pager, tickets to the ticket queue,
// grouped by SLO, and a ticket held back while the same SLO is paging.
export function alertmanagerExample(
  receivers: { pagerUrl: string; ticketUrl: string } = {
    pagerUrl: 'http://pager.example.internal/ztna/page',
    ticketUrl: 'http://tickets.example.internal/ztna/ticket',
  },
): object {
  return {
    route: {
      receiver: 'ticket',
      group_by: ['slo'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        { receiver: 'pager', matchers: ['severity="page"'] },
        { receiver: 'ticket', matchers: ['severity="ticket"'] },
      ],
    },
    receivers: [
      { name: 'pager', webhook_configs: [{ url: receivers.pagerUrl, send_resolved: true }] },
      { name: 'ticket', webhook_configs: [{ url: receivers.ticketUrl, send_resolved: false }] },
    ],
    inhibit_rules: [{ source_matchers: ['severity="page"'], target_matchers: ['severity="ticket"'], equal: ['slo', 'tenant'] }],
  };
}
