// Polling for what a test waits on (a process's output, a broker's offsets, a server's answer).

/**
 * Calls `probe` every `everyMs` until it answers something other than undefined or false, and
 * resolves with that; rejects, naming `what`, after `timeoutMs`.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 90_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}
