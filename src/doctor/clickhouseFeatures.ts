// The ClickHouse SQL features sql/ relies on (migrations, named queries, dashboard queries), each
// with the release that introduced it: the oldest server line the SQL can run on is the newest of
// them. test/unit/sql-features.test.ts scans sql/ and fails on a function, type, setting,
// parameter type, engine, index type, codec or clause that is not listed here, so a dependency on
// a newer release is a conscious change. The tests run the SQL only on chDB's engine (see
// README, "Versions"); the releases below it are read from ClickHouse's changelog and docs.
import { newestVersion } from './versions.js';

export type FeatureKind = 'function' | 'type' | 'setting' | 'parameter type' | 'engine' | 'index' | 'codec' | 'clause';

export interface ClickHouseFeature {
  kind: FeatureKind;
  name: string;
  /** The release line that introduced it; "20.3" stands for "20.3 or before" (older lines are out of scope). */
  since: string;
  /** Where the release comes from, for the ones that set the floor or are not ancient. */
  source?: string;
}

/** Older than the oldest line anyone runs today: stated as 20.3, an LTS line of 2020. */
const ANCIENT = '20.3';

const ancient = (kind: FeatureKind, names: string) => names.split(' ').map((name): ClickHouseFeature => ({ kind, name, since: ANCIENT }));

export const CLICKHOUSE_FEATURES: readonly ClickHouseFeature[] = [
  ...ancient(
    'function',
    'CAST JSONExtractArrayRaw JSONExtractRaw JSONExtractString cityHash64 concat currentDatabase has match replaceOne argMaxMerge argMaxState arrayConcat arrayFilter arrayJoin arrayMap ' +
      'arrayStringConcat assumeNotNull base64Decode bitmapBuild bitmapCardinality bitmapMax bitmapMin count greatest ' +
      'groupBitmapMergeState groupBitmapState groupUniqArray groupUniqArrayIf max min sipHash64 sum toDate toIntervalDay ' +
      'now toDateTime toStartOfDay toStartOfHour toStartOfMinute toString toUInt8 toUInt64 toYYYYMM least uniqExact uniqExactIfMerge uniqExactIfState ' +
      'uniqExactMerge uniqExactState version any coalesce countIf minIf multiIf toInt64',
  ),
  { kind: 'function', name: 'toDateTime64', since: '20.1', source: 'DateTime64 came with 20.1' },
  {
    kind: 'function',
    name: 'toUnixTimestamp64Milli',
    since: '20.5',
    source: 'changelog 20.5 (not checked further: far below the 25.4 floor)',
  },
  {
    kind: 'function',
    name: 'toIntervalMillisecond',
    since: '22.1',
    source: 'sub-second intervals (not checked further: far below the 25.4 floor)',
  },
  { kind: 'function', name: 'arrayMin', since: '21.1', source: 'changelog 21.1: arrayMin, arrayMax, arraySum' },
  { kind: 'function', name: 'lagInFrame', since: '21.9', source: 'window functions, no longer experimental in 21.9' },
  // principal_risk.sql and incidents.sql
  ...ancient(
    'function',
    'JSONExtract argMin argMax arrayDistinct arrayReverseSort arraySlice arraySort groupArray groupArrayIf if ifNull indexOf length maxIf startsWith substring toFloat64',
  ),
  // session_reevaluation.sql
  ...ancient('function', 'arrayDifference arrayEnumerate quantileExact'),
  ...ancient('type', 'AggregateFunction SimpleAggregateFunction Array Date DateTime Enum8 LowCardinality Nullable Tuple String'),
  ...ancient('type', 'UInt8 UInt16 UInt32 UInt64 Int32 Int64 Float32 Float64'),
  { kind: 'type', name: 'DateTime64', since: '20.1', source: 'changelog 20.1' },
  { kind: 'type', name: 'Bool', since: '21.12', source: 'changelog 21.12: the Bool type' },
  ...ancient('parameter type', 'String UInt8 UInt32 DateTime Array'),
  ...ancient('parameter type', 'UInt64 Float64'),
  { kind: 'parameter type', name: 'DateTime64', since: '20.1' },
  { kind: 'parameter type', name: 'Identifier', since: '20.12', source: 'ClickHouse PR #16594 (Nov 2020)' },
  ...ancient('engine', 'ReplacingMergeTree AggregatingMergeTree ReplicatedReplacingMergeTree ReplicatedAggregatingMergeTree Distributed'),
  ...ancient('codec', 'ZSTD Delta'),
  ...ancient('index', 'bloom_filter'),
  ...ancient('setting', 'index_granularity join_use_nulls max_execution_time materialize_ttl_after_modify mutations_sync'),
  {
    kind: 'setting',
    name: 'min_compress_block_size',
    since: '20.3',
    source: 'a MergeTree table setting as well as a query setting',
  },
  { kind: 'setting', name: 'max_compress_block_size', since: '20.3', source: 'as min_compress_block_size' },
  {
    kind: 'setting',
    name: 'ratio_of_defaults_for_sparse_serialization',
    since: '22.1',
    source: 'sparse serialization of columns, changelog 22.1',
  },
  {
    kind: 'setting',
    name: 'query_plan_max_limit_for_lazy_materialization',
    since: '25.4',
    source:
      'lazy materialization, introduced in 25.4 (ClickHouse docs, "Lazy materialization"): an older server refuses the unknown setting',
  },
  ...ancient('clause', 'FINAL ARRAY_JOIN ASOF_JOIN LIMIT_BY WITH_FILL TTL ALIAS MATERIALIZED_VIEW_TO'),
  { kind: 'clause', name: 'OVER', since: '21.9', source: 'window functions, no longer experimental in 21.9' },
  { kind: 'clause', name: 'PARAMETERIZED_VIEW', since: '23.1', source: 'changelog 23.1: parameterized views' },
  {
    kind: 'clause',
    name: 'GROUPING_SETS',
    since: '22.6',
    source: 'ClickHouse PR #33631, GROUPING SETS (not checked further: far below the 25.4 floor)',
  },
];

/** The oldest ClickHouse release line the SQL runs on: the newest release any listed feature needs. */
export const OLDEST_CLICKHOUSE = newestVersion(CLICKHOUSE_FEATURES.map((f) => f.since));

/** The feature that sets that floor. */
export const FLOOR_FEATURE = CLICKHOUSE_FEATURES.find((f) => f.since === OLDEST_CLICKHOUSE)!;
