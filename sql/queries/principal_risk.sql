-- Risk level per principal over [from, to) (src/riskRule.ts has the rule's data). An anomaly
-- names a principal by its key (principal:<id>) or one of its evidence events (a replayed
-- credential's first event names its owner). Its weight is its kind's in the weight table, else its type's,
-- else 1: 0 leaves it out, below 1 is low-signal. The level is the highest that a full-weight
-- anomaly's severity sets ({severity_levels} of {severity_names}), one step higher (at most the
-- top of {levels}) when the weights add up to {escalate_at}; with only low-signal anomalies,
-- the lowest level. Paged by offset, gravest first; {level} (0: any) keeps one level's rank.
WITH
    named AS (
        SELECT
            tenant,
            anomaly_id,
            time,
            -- One typed parse of the events for their principals: 4x faster than each event's JSON apart.
            arrayJoin(arrayDistinct(arrayFilter(p -> p != '', arrayConcat(
                [if(startsWith(key, 'principal:'), substring(key, 11), '')],
                JSONExtract(evidence, 'events', 'Array(Tuple(principal_id String))').principal_id)))) AS principal_id,
            indexOf({severity_names:Array(String)}, severity) AS severity_at,
            if(severity_at = 0, 0, indexOf({levels:Array(String)}, {severity_levels:Array(String)}[severity_at])) AS severity_level,
            indexOf({weight_names:Array(String)}, kind) AS kind_at,
            indexOf({weight_names:Array(String)}, type) AS type_at,
            toFloat64(if(kind_at > 0, {weight_values:Array(String)}[kind_at], if(type_at > 0, {weight_values:Array(String)}[type_at], '1'))) AS weight
        FROM anomalies FINAL
        WHERE time >= {from:DateTime64(3, 'UTC')} AND time < {to:DateTime64(3, 'UTC')}
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
    ),
    per_principal AS (
        SELECT
            tenant,
            principal_id,
            maxIf(severity_level, weight >= 1) AS set_level,
            sum(weight) AS total_weight,
            count() AS anomalies,
            arrayMap(a -> a.2, arrayReverseSort(groupArray((time, anomaly_id)))) AS anomaly_ids
        FROM named
        WHERE weight > 0 AND ({principal:String} = '' OR principal_id = {principal:String})
        GROUP BY tenant, principal_id
    )
SELECT
    tenant,
    principal_id,
    if(set_level = 0, 1, arrayMin([length({levels:Array(String)}), set_level + (total_weight >= {escalate_at:Float64})])) AS level,
    set_level,
    total_weight AS weight,
    anomalies,
    arraySlice(anomaly_ids, 1, {anomalies_per_principal:UInt32}) AS anomaly_ids
FROM per_principal
WHERE {level:UInt8} = 0 OR level = {level:UInt8}
ORDER BY level DESC, set_level DESC, weight DESC, tenant, principal_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
