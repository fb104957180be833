// Readiness from cached state. A monitor checks each dependency in the background, every
// few seconds, each check bounded by a timeout; /readyz only reads what it last found, so a
// probe answers at once whatever the dependencies do. What is down is said in plain words
// (never a library's internal message); the error behind it goes to the log.
import { connect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { Logger } from 'pino';
import { StoreError, type Store } from '../store/index.js';

/** Resolves when the dependency is up; throws `Unready` saying what is wrong when it is not. */
export type DependencyCheck = (signal: AbortSignal) => Promise<void>;

/** A dependency is not ready, in words for an operator: shown on /readyz as they are. */
export class Unready extends Error {
  override name = 'Unready';
}

export interface ReadinessReport {
  ready: boolean;
  /** Each dependency that is down → what is wrong and since when. */
  down: Record<string, string>;
}

export interface ReadinessOptions {
  /** How often every dependency is checked. */
  intervalMs?: number;
  /** How long one check may take before its dependency counts as down. */
  timeoutMs?: number;
  /** Where changes (down, up again) are logged, with the error behind a failure. */
  log?: Pick<Logger, 'info' | 'warn'>;
}

interface DependencyState {
  up: boolean;
  reason: string;
  /** When it went down (or up). */
  since: Date;
}

const NOT_CHECKED = 'not checked yet';

export class ReadinessMonitor {
  private readonly states = new Map<string, DependencyState>();
  /** Checks still running (one that ignored its timeout is not started again meanwhile). */
  private readonly running = new Set<string>();
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly checks: Readonly<Record<string, DependencyCheck>>,
    private readonly options: ReadinessOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 5000;
    this.timeoutMs = options.timeoutMs ?? 2000;
    const now = new Date();
    for (const name of Object.keys(checks)) this.states.set(name, { up: false, reason: NOT_CHECKED, since: now });
  }

  /** What the last checks found. Reads state only: never waits on a dependency. */
  report(): ReadinessReport {
    const down: Record<string, string> = {};
    for (const [name, state] of this.states) if (!state.up) down[name] = `${state.reason} (since ${state.since.toISOString()})`;
    return { ready: Object.keys(down).length === 0, down };
  }

  /** One round of checks, each bounded by the timeout; resolves when the round's states are recorded. */
  async checkNow(): Promise<void> {
    const idle = Object.entries(this.checks).filter(([name]) => !this.running.has(name));
    await Promise.all(idle.map(async ([name, check]) => this.record(name, await this.outcome(name, check))));
  }

  /** A first round, then one every interval. */
  async start(): Promise<void> {
    if (this.timer) return;
    this.timer = setInterval(() => void this.checkNow(), this.intervalMs);
    this.timer.unref();
    await this.checkNow();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async outcome(name: string, check: DependencyCheck): Promise<{ up: true } | { up: false; reason: string; cause?: unknown }> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    this.running.add(name);
    const checked = check(signal).finally(() => this.running.delete(name));
    const timedOut = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(new Unready(`no answer within ${this.timeoutMs / 1000} s`)), { once: true }),
    );
    try {
      await Promise.race([checked, timedOut]);
      return { up: true };
    } catch (err) {
      if (err instanceof Unready) return { up: false, reason: err.message, cause: err.cause };
      return { up: false, reason: 'its check failed; the service log has the error', cause: err };
    }
  }

  private record(name: string, outcome: { up: true } | { up: false; reason: string; cause?: unknown }): void {
    const previous = this.states.get(name)!;
    const reason = outcome.up ? '' : outcome.reason;
    if (previous.up === outcome.up && previous.reason === reason) return;
    this.states.set(name, { up: outcome.up, reason, since: previous.up === outcome.up ? previous.since : new Date() });
    if (outcome.up) this.options.log?.info({ dependency: name }, `${name}: up`);
    // Not ready at the first check is usual while starting (start-up logs its own attempts); later, it is news.
    else if (previous.reason === NOT_CHECKED)
      this.options.log?.info({ dependency: name, err: outcome.cause }, `${name}: not ready yet: ${reason}`);
    else this.options.log?.warn({ dependency: name, err: outcome.cause }, `${name}: not ready: ${reason}`);
  }
}

/** A part of the service that tells its own state: undefined when it works, else what it waits for or lacks. */
export function stateCheck(unready: () => string | undefined): DependencyCheck {
  return async () => {
    const reason = unready();
    if (reason) throw new Unready(reason);
  };
}

/** The store answers a trivial query. */
export function storeCheck(store: Pick<Store, 'query' | 'location'>): DependencyCheck {
  return async () => {
    try {
      await store.query('SELECT 1 AS ok');
    } catch (err) {
      throw new Unready(storeFailure(store.location, err), { cause: err });
    }
  };
}

/** What a store failure means, in plain words. */
export function storeFailure(location: string, err: unknown): string {
  if (networkErrorCode(err)) return `cannot reach ${location}`;
  if (err instanceof StoreError && err.clickhouseCode !== undefined)
    return `${location} answered with ClickHouse error ${err.clickhouseCode}`;
  return `no answer from ${location}`;
}

/**
 * Some broker of the list accepts connections (with `tls`, a TLS handshake that verifies its
 * certificate as the Kafka client would): a Kafka client needs one to find the rest.
 */
export function brokersCheck(brokers: readonly string[], tls?: ConnectionOptions): DependencyCheck {
  return async (signal) => {
    const attempts = await Promise.allSettled(brokers.map((broker) => brokerConnect(broker, signal, tls)));
    if (attempts.some((a) => a.status === 'fulfilled')) return;
    // A broker that answers but whose certificate is refused is not "unreachable": say so, and keep the error.
    const handshake = attempts.map((a) => (a as PromiseRejectedResult).reason as NodeJS.ErrnoException).find(answeredButRefused);
    if (tls && handshake) throw new Unready(`TLS handshake failed: ${handshake.message}`, { cause: handshake });
    throw new Unready(`cannot reach ${brokers.length === 1 ? 'broker' : 'any broker of'} ${brokers.join(', ')}`);
  };
}

/** Reached, yet refused: a failure that is neither the network's nor the check's own timeout (TLS: the certificate, the protocol). */
function answeredButRefused(err: NodeJS.ErrnoException): boolean {
  return err.code !== undefined && !NETWORK_ERRORS.has(err.code) && err.code !== 'ABORT_ERR';
}

function brokerConnect(hostPort: string, signal: AbortSignal, tls: ConnectionOptions | undefined): Promise<void> {
  const colon = hostPort.lastIndexOf(':');
  const address = { host: hostPort.slice(0, colon), port: Number(hostPort.slice(colon + 1)), signal };
  return new Promise((resolve, reject) => {
    const socket = tls ? tlsConnect({ ...address, ...tls }) : connect(address);
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** The errno-style code of a network failure anywhere in the error's cause chain. */
function networkErrorCode(err: unknown): string | undefined {
  for (let e = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_ERRORS.has(code)) return code;
  }
  return undefined;
}
