// JSON Schema of the canonical events as normalize emits and the store holds them, generated from the zod schema (schemas/*.schema.json).
import { z } from 'zod';
import { CanonicalEvent, eventSchemaByKind, KINDS } from './schema.js';

const BASE = 'https://github.com/ztna-telemetry/ztna-telemetry/schemas';

export function jsonSchemaFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  const emit = (name: string, title: string, schema: z.ZodType) => {
    const json = { $id: `${BASE}/${name}`, title, ...z.toJSONSchema(schema, { io: 'output', target: 'draft-2020-12' }) };
    files[name] = JSON.stringify(json, null, 2) + '\n';
  };
  emit('canonical-event.schema.json', 'ztna-telemetry canonical access event', CanonicalEvent);
  for (const kind of KINDS) emit(`${kind}-event.schema.json`, `ztna-telemetry ${kind} event`, eventSchemaByKind[kind]);
  return files;
}
