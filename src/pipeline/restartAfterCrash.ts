// kafkajs starts a consumer again after a retriable error by itself; after any other it leaves
// it stopped for good. A broker that shuts down while the group rejoins ends a consumer so (the
// coordinator lookup fails with "Failed to find group coordinator", which kafkajs does not
// retry), and the service would consume nothing more until it is restarted by hand. Such a
// consumer is started again here, with backoff, unless waiting cannot fix what stopped it
// (the caller's `fatal`: src/kafka's kafkaSetupFailure, refused credentials or access, a TLS
// failure): that is reported instead.
import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';
import { pauseUnlessStopped, retryWithBackoff } from './retry.js';

export interface RestartAfterCrashOptions {
  /** What the consumer is, for the log (`kafka source`, `control topic`). */
  what: string;
  log: Logger;
  /** Runs the consumer (its topics stay subscribed across a crash): `consumer.run(...)`. */
  run(): Promise<void>;
  /** Why an error cannot be fixed by waiting, in plain words; undefined when it can. */
  fatal(err: unknown): string | undefined;
  /** Told when the consumer stopped for a reason waiting cannot fix: it is not started again. */
  onFatal(reason: string): void;
}

/** Watches the consumer's crashes from now on; `stop` ends any restart under way (call it before disconnecting). */
export function restartAfterCrash(consumer: Consumer, options: RestartAfterCrashOptions): { stop(): Promise<void> } {
  const stopping = new AbortController();
  let restarting: Promise<unknown> = Promise.resolve();
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart || stopping.signal.aborted) return;
    const fatal = options.fatal(payload.error);
    if (fatal) return options.onFatal(fatal);
    options.log.warn(
      { err: payload.error.message },
      `${options.what}: kafkajs stopped the consumer after an error it does not retry; starting it again`,
    );
    restarting = retryWithBackoff(
      async () => {
        await consumer.connect();
        await options.run();
      },
      {
        stopped: () => stopping.signal.aborted,
        pause: (ms) => pauseUnlessStopped(ms, stopping.signal),
        onFailure: (err, attempt, delayMs) =>
          options.log.warn({ err: (err as Error).message, attempt, retryInMs: delayMs }, `${options.what}: consumer not started again yet`),
      },
    );
  });
  return {
    stop: async () => {
      stopping.abort();
      await restarting;
    },
  };
}
