/**
 * The shared Redis the tests of several packages need on 127.0.0.1:6379: its absence fails a
 * test, never skips it.
 */
import { connect } from "node:net";

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

/** Sends PING to the shared Redis over a plain socket: "PONG", or a rejection naming what is missing. */
export function pingSharedRedis(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(6379, "127.0.0.1", () => socket.write("PING\r\n"));
    const fail = (): void => {
      socket.destroy();
      reject(new Error("Redis not reachable: a real Redis on 127.0.0.1:6379 is required"));
    };
    const timer = setTimeout(fail, READY_TIMEOUT_MS);
    let text = "";
    socket.on("data", (d: Buffer) => {
      text += d.toString("latin1");
      if (!text.includes("\r\n")) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(text.slice(text.startsWith("+") ? 1 : 0, text.indexOf("\r\n")));
    });
    socket.on("error", () => {
      clearTimeout(timer);
      fail();
    });
  });
}
