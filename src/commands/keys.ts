// `ztna keys new`: makes an API key and prints it once, with the configuration entry that holds
// only its hash. Nothing is written anywhere: the operator adds the entry to the keys file (read
// again without a restart) and hands the key to its user.
import { parseArgs } from 'node:util';
import { parseApiKeys, ROLES, TENANT_NAME, type Role, type TenantScope } from '../api/auth.js';
import { expiryFrom, keyEntryLine, newApiKey } from '../api/keyEntry.js';
import { UsageError } from './usage.js';

const NEW_USAGE = 'usage: ztna keys new --name NAME --role ROLE --tenants a,b|* [--expires 90d|YYYY-MM-DD]';
/** A name is an entry's first field, a metric label and the access log's principal: no separators of entries or fields. */
const KEY_NAME = /^[^\s,:#]{1,128}$/;

export interface NewKey {
  key: string;
  entry: string;
}

/** A new key for the options of `ztna keys new`; the entry is checked by the parser that will read it. */
export function newKey(args: string[], now: Date): NewKey {
  const { values } = parseArgs({
    args,
    options: { name: { type: 'string' }, role: { type: 'string' }, tenants: { type: 'string' }, expires: { type: 'string' } },
  });
  const { name, role, tenants, expires } = values;
  if (name === undefined || role === undefined || tenants === undefined)
    throw new UsageError(`--name, --role and --tenants are required\n${NEW_USAGE}`);
  if (!KEY_NAME.test(name))
    throw new UsageError(`--name: 1 to 128 characters without spaces, commas, colons or #, got ${JSON.stringify(name)}`);
  if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role: one of ${ROLES.join(', ')}, got ${role}`);
  const scope: TenantScope = tenants.trim() === '*' ? '*' : tenants.split(',').map((t) => t.trim());
  const bad = scope === '*' ? undefined : scope.find((t) => !TENANT_NAME.test(t));
  if (bad !== undefined) throw new UsageError(`--tenants: * or tenant names without spaces, colons, +, # or *, got ${JSON.stringify(bad)}`);
  const key = newApiKey();
  try {
    const entry = keyEntryLine({ name, role: role as Role, tenants: scope, expires: expires ? expiryFrom(expires, now) : undefined }, key);
    parseApiKeys(entry);
    return { key, entry };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function keysCli(args: string[], out: (line: string) => void, note: (line: string) => void): number {
  const [subcommand, ...rest] = args;
  if (subcommand !== 'new') throw new UsageError(`unknown keys subcommand: ${subcommand ?? '(none)'}\n${NEW_USAGE}`);
  const { key, entry } = newKey(rest, new Date());
  out(`key:   ${key}`);
  out(`entry: ${entry}`);
  note('ztna: the key is shown this once (the entry holds only its hash): hand it to its user.');
  note('ztna: add the entry to ZTNA_API_KEYS_FILE (read again without a restart) or to ZTNA_API_KEYS.');
  return 0;
}
