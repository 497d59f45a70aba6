import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { startRedisServer } from "../src/index.js";

/** One inline command on a fresh connection: the first reply line, or the socket error's code. */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
    socket.once("connect", () => socket.write(`${line}\r\n`));
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString("latin1");
      if (answer.includes("\r\n")) {
        socket.destroy();
        resolve(answer.slice(0, answer.indexOf("\r\n")));
      }
    });
  });
}

test("redis-server: stopped, the port refuses connections; started again, the same port answers, with no key kept", async () => {
  const redis = await startRedisServer();
  try {
    assert.equal(redis.url, `redis://127.0.0.1:${redis.port}`);
    assert.equal(await command(redis.port, "SET kit-key 1"), "+OK");
    await assert.rejects(redis.start(), /already running/);

    await redis.stop();
    assert.equal(await command(redis.port, "PING"), "ECONNREFUSED");
    await redis.stop();

    await redis.start();
    assert.equal(await command(redis.port, "PING"), "+PONG");
    assert.equal(await command(redis.port, "GET kit-key"), "$-1", "no persistence across a restart");
  } finally {
    await redis.stop();
  }
});

test("redis-server: a port already taken fails the start and leaves no process behind", async () => {
  const first = await startRedisServer();
  try {
    await assert.rejects(startRedisServer(first.port), /did not start/);
    assert.equal(await command(first.port, "PING"), "+PONG");
  } finally {
    await first.stop();
  }
});
