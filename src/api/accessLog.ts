// The product watches its own door: every API access becomes an auth event (was the credential
// valid: an API key or a bearer token) and a policy event (did its role allow the route, and
// which tenants it may read), fed in batches through the same pipeline as any other access
// event. A credential itself is never recorded, only its kind and name.
import type { RawRecord } from '../pipeline/record.js';
import { TENANT_SEPARATOR, type Caller } from './auth.js';

/** How each kind of credential authenticated, as the auth event's method; `bearer` when none was recognized. */
const AUTH_METHODS = { key: 'api_key', token: 'oidc_token' } as const;

/** Characters of a tenant scope a policy event's reason holds (a reason is at most 512). */
const MAX_SCOPE_TEXT = 400;

/** A tenant scope as the policy event states it: `*`, or the tenants joined as in a key entry (cut, with their count, when long). */
export function scopeText(tenants: Caller['tenants']): string {
  if (tenants === '*') return '*';
  const text = tenants.join(TENANT_SEPARATOR);
  return text.length <= MAX_SCOPE_TEXT ? text : `${text.slice(0, MAX_SCOPE_TEXT)}… (${tenants.length} tenants)`;
}

/** Access records kept while the store refuses them; the oldest go first past this. */
const MAX_BUFFERED_RECORDS = 100_000;

export interface ApiAccess {
  /** Who called; undefined when no authenticator knew the credential. */
  caller: Caller | undefined;
  ip: string;
  userAgent: string | undefined;
  method: string;
  route: string;
  allowed: boolean;
  reason: string;
  time: Date;
}

export class AccessRecorder {
  private buffer: RawRecord[] = [];
  private seq = 0;
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly sink: (records: RawRecord[]) => Promise<unknown>,
    private readonly tenant: string,
    private readonly onError: (err: unknown) => void,
    flushMs = 1000,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  record(a: ApiAccess): void {
    const { caller } = a;
    const envelope = {
      time: a.time.toISOString(),
      tenant: this.tenant,
      source: 'ztna-api',
      emitter_id: 'ztna-api',
      principal_id: caller?.name ?? 'unknown',
      principal_type: 'service',
      src_ip: a.ip,
      user_agent: a.userAgent,
      app: 'ztna-api',
    };
    const auth = {
      ...envelope,
      kind: 'auth',
      emitter_seq: ++this.seq,
      outcome: caller ? 'success' : 'failure',
      auth_method: caller ? AUTH_METHODS[caller.kind] : 'bearer',
      idp: 'ztna-api',
      ...(caller ? {} : { failure_reason: a.reason }),
    };
    const policy = {
      ...envelope,
      kind: 'policy',
      emitter_seq: ++this.seq,
      decision: a.allowed ? 'allow' : 'deny',
      policy_id: 'ztna/api/roles',
      rule: caller ? `role:${caller.role}` : 'authenticated',
      action: `${a.method} ${a.route}`,
      reasons: caller ? [a.reason, `tenants ${scopeText(caller.tenants)}`] : [a.reason],
      enforcement_point: 'ztna-api',
    };
    for (const e of caller ? [auth, policy] : [auth])
      this.buffer.push({ value: Buffer.from(JSON.stringify(e)), origin: { door: 'http', topic: 'ztna-api' } });
  }

  /** Sends what is buffered; resolves when the pipeline has stored it. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.buffer.length === 0) return;
      const records = this.buffer;
      this.buffer = [];
      try {
        await this.sink(records);
      } catch (err) {
        // Kept for the next flush (the store may be back by then), within a bound.
        this.buffer = records.concat(this.buffer).slice(-MAX_BUFFERED_RECORDS);
        this.onError(err);
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
