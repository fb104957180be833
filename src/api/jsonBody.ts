// The JSON body parser with a nesting limit. No event is nested deeply, and a body nested
// thousands of levels deep overflows the stack of whatever walks it later (a 500 with
// nothing the caller can fix); refused here, it is a 400 that says why.
import { apiError } from './errors.js';
import { unencapsulated } from './plugin.js';

/** Deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 64;

/** Fastify's own JSON parser (prototype-poisoning checks included) behind a depth check, for the whole server. */
export const depthLimitedJson = unencapsulated(async (app) => {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (nestedDeeperThan(body as string, MAX_JSON_DEPTH)) done(apiError('json_too_deep', MAX_JSON_DEPTH), undefined);
    else parse(req, body as string, done);
  });
});

/** True when brackets outside strings nest deeper than `max`; stops at the first level over it. */
export function nestedDeeperThan(json: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}
