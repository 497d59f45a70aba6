/**
 * A real Meilisearch for the tests: @oblivious/test-kit's meili-process.ts (the bench uses the
 * same code) on a free loopback port, with a temporary database, a master key and analytics
 * off. It fails loudly when the binary cannot start: a test needing it fails, never skips.
 * Callers destroy it (process and directory) in their `after` hook.
 */
import { startMeiliProcess, type MeiliProcess } from "@oblivious/test-kit";

export function startTestMeili(): Promise<MeiliProcess> {
  return startMeiliProcess({ startTimeoutMs: 30_000 });
}
