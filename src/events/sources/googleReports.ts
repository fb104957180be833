// What Google Workspace's sources share: the Admin SDK Reports API's activity shape (`kind`
// admin#reports#activity, `events` with typed parameters), read the same for every application.
import { at, isObject, type Json } from '../fields.js';

/**
 * The activity's first event of one of `types` (and of `application`, when given): the API sends
 * `events` as a list, exports often one per record.
 */
export function reportEvent(record: Json, types: ReadonlySet<string>, application?: string): Json | undefined {
  if (record.kind !== 'admin#reports#activity') return undefined;
  if (application !== undefined && at(record, 'id.applicationName') !== application) return undefined;
  const events = Array.isArray(record.events) ? record.events : [record.events];
  return events.find((event): event is Json => isObject(event) && types.has(String(event.type)));
}

/** A parameter's values, whichever typed field holds them (a multi-value as its list). */
export function parameterValues(event: Json, name: string): unknown[] {
  const found = (Array.isArray(event.parameters) ? event.parameters : []).find((p) => isObject(p) && p.name === name) as Json | undefined;
  if (!found) return [];
  return Array.isArray(found.multiValue) ? found.multiValue : [found.value ?? found.boolValue ?? found.intValue];
}

/** A parameter's value (a multi-value's first). */
export const parameter = (event: Json | undefined, name: string): unknown => (event ? parameterValues(event, name)[0] : undefined);
