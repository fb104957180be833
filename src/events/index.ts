export * from './schema.js';
export * from './normalize.js';
export type { NormalizeContext } from './source.js';
export { tokenFingerprint, deriveEventId } from './fields.js';
