// The product watches its own door: every API access becomes an auth event (was the key
// valid) and a policy event (did its role allow the route), fed in batches through the
// same pipeline as any other access event. The key itself is never recorded, only its name.
import type { RawRecord } from '../pipeline/record.js';
import type { ApiKey } from './auth.js';

/** Access records kept while the store refuses them; the oldest go first past this. */
const MAX_BUFFERED_RECORDS = 100_000;

export interface ApiAccess {
  key: ApiKey | undefined;
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
    const envelope = {
      time: a.time.toISOString(),
      tenant: this.tenant,
      source: 'ztna-api',
      emitter_id: 'ztna-api',
      principal_id: a.key?.name ?? 'unknown',
      principal_type: 'service',
      src_ip: a.ip,
      user_agent: a.userAgent,
      app: 'ztna-api',
    };
    const auth = {
      ...envelope,
      kind: 'auth',
      emitter_seq: ++this.seq,
      outcome: a.key ? 'success' : 'failure',
      auth_method: 'api_key',
      idp: 'ztna-api',
      ...(a.key ? {} : { failure_reason: a.reason }),
    };
    const policy = {
      ...envelope,
      kind: 'policy',
      emitter_seq: ++this.seq,
      decision: a.allowed ? 'allow' : 'deny',
      policy_id: 'ztna/api/roles',
      rule: a.key ? `role:${a.key.role}` : 'authenticated',
      action: `${a.method} ${a.route}`,
      reasons: [a.reason],
      enforcement_point: 'ztna-api',
    };
    for (const e of a.key ? [auth, policy] : [auth])
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
