// Fastify encapsulates what a plugin adds (hooks, handlers, parsers) in a scope of its own. A
// plugin marked here acts on the scope that registers it instead, as `fastify-plugin` does,
// through the `skip-override` property fastify documents for this (Plugins, "Handle the scope").
import type { FastifyPluginAsync, FastifyPluginOptions } from 'fastify';

export function unencapsulated<Options extends FastifyPluginOptions>(plugin: FastifyPluginAsync<Options>): FastifyPluginAsync<Options> {
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true });
}
