/**
 * The shared Redis the tests of several packages need on 127.0.0.1:6379: its absence fails a
 * test, never skips it.
 */
export const SHARED_REDIS_URL = "redis://127.0.0.1:6379";

const READY_TIMEOUT_MS = 3000;

/** What `redisConnected` needs of an ioredis client; the kit itself depends on no Redis client. */
export interface ConnectingRedis {
  readonly status: string;
  once(event: "ready", listener: () => void): unknown;
}

/** Waits for the client's connection; fails when it is not ready in time. */
export async function redisConnected(redis: ConnectingRedis): Promise<void> {
  if (redis.status === "ready") return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("Redis not reachable: a real Redis on 127.0.0.1:6379 is required")), READY_TIMEOUT_MS);
    redis.once("ready", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
