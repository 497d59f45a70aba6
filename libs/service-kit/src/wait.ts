/** Waits, polling every 25 ms, until `ready()` or `timeoutMs` has passed; it never rejects. */
export function waitFor(ready: () => boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const deadline = Date.now() + timeoutMs;
    const poll = (): void => {
      if (ready() || Date.now() >= deadline) resolve();
      else setTimeout(poll, 25);
    };
    poll();
  });
}
