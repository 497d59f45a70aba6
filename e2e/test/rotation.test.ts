/**
 * A gateway key rotation under load, through the relay: the load tool searches in a series of
 * sessions (each fetches the key listing from the relay when it opens, like a client arriving)
 * while `gateway-keys rotate --kem x-wing` writes a new key file that the gateway reloads (the
 * gateway lists an X-Wing and an X25519 key; the load runs on X-Wing, whose key rotates alone,
 * the X25519 key keeping its schedule). The publish lead and
 * the grace are the shortest the CLI accepts for the listing's max-age (3 s) and the relay's key
 * cache (4 s); one shorter is refused first. Every search is served: 0 failed. Meanwhile a poller
 * checks what the relay serves: never a retired key, and the new key first from its activation.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { pathToFileURL } from "node:url";
import { EnvReader } from "@oblivious/service-kit";
import { decodeKeyConfigs } from "@oblivious/ohttp";
import { KEYS_MAX_AGE_DEFAULT_MS, RELAY_KEYS_TTL_DEFAULT_MS, loadGatewayConfig } from "@oblivious/gateway";
import { DIRECTORY_MAX_AGE_DEFAULT_MS, TOKEN_DIRECTORY_REFRESH_DEFAULT_MS } from "@oblivious/issuer";
import { RELAY_DEFAULTS } from "@oblivious/relay";
import { readTokenGateConfig } from "@oblivious/token-gate";
import { ROOT } from "@oblivious/scripts/stack";
import type * as Load from "../../scripts/src/load/index.js";
import { startLoadStack, type LoadStack } from "./load-stack.js";

const load = (await import(pathToFileURL(join(ROOT, "scripts/dist/load/index.js")).href)) as typeof Load;
const run = promisify(execFile);
const CLI = join(ROOT, "services/gateway/dist/src/keys-cli.js");
const AUTHORITIES = { search: "sticker-search.internal", telemetry: "telemetry.internal", issuer: "issuer.internal" };
/**
 * The gateway's and the relay's key caching, short enough for a test: at least 7 s of lead and
 * grace. A load session keeps the listing it opened with for its whole life (about 3.5 s here,
 * opening and minting included), as a client that never refreshes would; the grace must also
 * cover that, with room for a loaded machine.
 */
const CACHING = { GATEWAY_KEYS_MAX_AGE: "3s", RELAY_KEYS_TTL: "4s" };

let stack: LoadStack;
before(async () => {
  stack = await startLoadStack({ gatewayEnv: { GATEWAY_KEYS_MAX_AGE: CACHING.GATEWAY_KEYS_MAX_AGE, GATEWAY_KEY_RELOAD: "200ms" }, relayEnv: { RELAY_KEYS_TTL: CACHING.RELAY_KEYS_TTL } });
});
after(async () => {
  await stack.stop();
});

interface CliKey {
  readonly keyId: number;
  readonly kem: string;
  readonly activeFrom: string;
  readonly retireAt?: string;
}

async function rotate(lead: string, grace: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // Asynchronous: the stack runs in this process, and its event loop must keep serving.
    const { stdout, stderr } = await run(process.execPath, [CLI, "rotate", "--file", stack.gatewayKeysFile, "--kem", "x-wing", "--publish-lead", lead, "--grace", grace], {
      env: { ...process.env, ...CACHING },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const failed = e as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

interface Observation {
  readonly sentAt: number;
  readonly keyIds: readonly number[];
}

/** Polls the relay's listing every 100 ms until stopped. */
function pollRelay(): { stop: () => Promise<Observation[]> } {
  const seen: Observation[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const sentAt = Date.now();
      const res = await fetch(`${stack.relayUrl}/ohttp-keys`);
      const body = new Uint8Array(await res.arrayBuffer());
      assert.equal(res.status, 200);
      seen.push({ sentAt, keyIds: decodeKeyConfigs(body).map((c) => c.keyId) });
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return seen;
    },
  };
}

interface SessionRun {
  readonly openedAt: number;
  readonly ranAt: number;
  readonly sent: number;
  readonly served: number;
  readonly errorsByOutcome: Readonly<Record<string, number>>;
}

async function open(): Promise<Load.LoadSession> {
  return load.LoadSession.open({
    relayUrl: stack.relayUrl,
    scenario: "search",
    authorities: AUTHORITIES,
    credentials: await load.devCredentials(stack.devDir, 100),
    workers: 1,
    connections: 4,
    mintBatch: 20,
  });
}

async function search(s: Load.LoadSession, openedAt: number): Promise<SessionRun> {
  const ranAt = Date.now();
  const r = await s.run({ shape: { mode: "rate", rate: 10 }, durationMs: 1500 });
  return { openedAt, ranAt, sent: r.sent, served: r.served, errorsByOutcome: r.errorsByOutcome };
}

test("the CLIs' defaults for the other services' caching are those services' own defaults", () => {
  assert.equal(RELAY_KEYS_TTL_DEFAULT_MS, RELAY_DEFAULTS.keysTtlMs);
  assert.equal(KEYS_MAX_AGE_DEFAULT_MS, loadGatewayConfig({ GATEWAY_KEYS_FILE: "/nonexistent" }).keysMaxAgeMs);
  assert.equal(TOKEN_DIRECTORY_REFRESH_DEFAULT_MS, readTokenGateConfig(new EnvReader({}), { originName: "sticker-search.internal" }).directoryRefreshMs);
  assert.equal(DIRECTORY_MAX_AGE_DEFAULT_MS, 3_600_000);
});

test("a gateway key rotation under load through the relay: 0 failed searches, no retired key ever served", async (t) => {
  const started = Date.now();
  const poller = pollRelay();
  const runs: SessionRun[] = [];
  // A client that fetched the listing before the rotation and searches again during the grace.
  const earlyOpenedAt = Date.now();
  const early = await open();
  let earlyLater: Promise<SessionRun> | undefined;
  let schedule: { keyId: number; activeFrom: number; oldKeyId: number; retireAt: number } | undefined;
  try {
    runs.push(await search(early, earlyOpenedAt));

    // One shorter than the relay's cache allows is refused and changes nothing.
    const refused = await rotate("7s", "6s");
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /--grace 6s is shorter than 7s: the key listing's max-age cap \(GATEWAY_KEYS_MAX_AGE, 3s\) plus the relay's key cache bound \(RELAY_KEYS_TTL, 4s\)/);
    const rotated = await rotate("7s", "7s");
    assert.equal(rotated.code, 0, rotated.stderr);
    const out = JSON.parse(rotated.stdout) as { added: number; keys: CliKey[] };
    const added = out.keys.find((k) => k.keyId === out.added);
    // The stack's gateway has an X-Wing and an X25519 key; the load runs on X-Wing, which rotates alone.
    const old = out.keys.find((k) => k.keyId !== out.added && k.kem === "MLKEM768-X25519");
    assert.ok(added && old?.retireAt !== undefined);
    assert.equal(added.kem, "MLKEM768-X25519");
    assert.ok(out.keys.some((k) => k.kem === "DHKEM(X25519, HKDF-SHA256)" && k.retireAt === undefined), "the X25519 key keeps its schedule");
    schedule = { keyId: added.keyId, activeFrom: Date.parse(added.activeFrom), oldKeyId: old.keyId, retireAt: Date.parse(old.retireAt) };
    const { activeFrom, retireAt } = schedule;
    assert.equal(retireAt - activeFrom, 7000);

    earlyLater = (async () => {
      // Half a second into the new key's term: the old key is in its grace, still accepted.
      await new Promise((r) => setTimeout(r, activeFrom + 500 - Date.now()));
      return search(early, earlyOpenedAt);
    })();
    // Clients keep arriving, each with the listing the relay serves then, until after the old key retired.
    // On a loaded machine one session can outlast those 2.5 s: keep going (20 s at most) until one opened after the retirement.
    while (Date.now() < retireAt + 2500 || (!runs.some((r) => r.openedAt > retireAt) && Date.now() < retireAt + 20_000)) {
      const openedAt = Date.now();
      const s = await open();
      try {
        runs.push(await search(s, openedAt));
      } finally {
        await s.close();
      }
    }
    runs.push(await earlyLater);
  } finally {
    await earlyLater?.catch(() => undefined);
    await early.close();
  }
  const observations = await poller.stop();
  assert.ok(schedule);
  const { keyId, activeFrom, oldKeyId, retireAt } = schedule;

  const failed = runs.reduce((n, r) => n + (r.sent - r.served), 0);
  assert.deepEqual(
    runs.filter((r) => Object.keys(r.errorsByOutcome).length > 0),
    [],
    "no failed search",
  );
  assert.equal(failed, 0);
  assert.ok(runs.every((r) => r.sent === 15 && r.served === 15), JSON.stringify(runs));
  assert.ok(runs.some((r) => r.openedAt > retireAt), "sessions opened after the old key retired");
  assert.ok(runs.some((r) => r.openedAt > activeFrom && r.openedAt < retireAt), "sessions opened during the grace");
  const earlyRuns = runs.filter((r) => r.openedAt === earlyOpenedAt);
  assert.equal(earlyRuns.length, 2);
  assert.ok(earlyRuns.some((r) => r.ranAt > activeFrom && r.ranAt + 1500 < retireAt), "the old listing searched again during the grace");

  // What the relay served: the new key first from its activation on, never the old key once retired.
  assert.ok(observations.some((o) => o.sentAt < activeFrom && o.keyIds[0] === oldKeyId));
  for (const o of observations) {
    if (o.sentAt >= activeFrom) assert.equal(o.keyIds[0], keyId, `listing ${o.keyIds.join()} at +${o.sentAt - activeFrom} ms after activation`);
    if (o.sentAt >= retireAt) assert.ok(!o.keyIds.includes(oldKeyId), `retired key listed at +${o.sentAt - retireAt} ms`);
  }
  assert.ok(observations.some((o) => o.sentAt >= retireAt));
  const searches = runs.reduce((n, r) => n + r.sent, 0);
  t.diagnostic(`${runs.length} runs in ${runs.length - 1} sessions, ${searches} searches, ${failed} failed; ${observations.length} listings polled; ${Date.now() - started} ms`);
  assert.ok(Date.now() - started < 50_000, `took ${Date.now() - started} ms`);
});
