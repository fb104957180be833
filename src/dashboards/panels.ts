// The panel kinds the dashboards use, with the defaults they share.
import { PanelBuilder as BarGaugePanel } from '@grafana/grafana-foundation-sdk/bargauge';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import { BigValueGraphMode, ReduceDataOptionsBuilder, VizOrientation } from '@grafana/grafana-foundation-sdk/common';
import { DashboardLinkBuilder, ThresholdsConfigBuilder, ThresholdsMode } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';

type Query = cog.Builder<cog.Dataquery>;

/** Red below `bad`, amber below `good`, green at or above it (ratios and percentages). */
export const atLeast = (bad: number, good: number) =>
  new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    { value: null, color: 'red' },
    { value: bad, color: 'orange' },
    { value: good, color: 'green' },
  ]);

/** Green below `warn`, amber from it, red from `bad` where there is one (counts, burn rates). */
export const atMost = (warn: number, bad?: number) =>
  new ThresholdsConfigBuilder()
    .mode(ThresholdsMode.Absolute)
    .steps([
      { value: null, color: 'green' },
      { value: warn, color: 'orange' },
      ...(bad === undefined ? [] : [{ value: bad, color: 'red' }]),
    ]);

export const link = (title: string, url: string) => new DashboardLinkBuilder(title).url(url);

export function timeseries(title: string, description: string, unit: string, queries: Query[]) {
  return new TimeseriesPanel().title(title).description(description).unit(unit).targets(queries).fillOpacity(10).lineWidth(1);
}

export function stat(title: string, description: string, unit: string, queries: Query[]) {
  return new StatPanel().title(title).description(description).unit(unit).targets(queries).graphMode(BigValueGraphMode.Area);
}

/** A stat of how many rows the query returns (non-empty values of `field`). */
export function count(title: string, description: string, field: string, queries: Query[]) {
  return new StatPanel()
    .title(title)
    .description(description)
    .unit('short')
    .targets(queries)
    .graphMode(BigValueGraphMode.None)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['count']).fields(`/^${field}$/`).values(false));
}

export function table(title: string, description: string, queries: Query[]) {
  return new TablePanel().title(title).description(description).targets(queries);
}

export function barGauge(title: string, description: string, unit: string, queries: Query[]) {
  return new BarGaugePanel().title(title).description(description).unit(unit).targets(queries).orientation(VizOrientation.Horizontal);
}
