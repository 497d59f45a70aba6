/**
 * The README's two commands from a newcomer's side: `npm start` brings the whole stack up and
 * prints its URLs; `npm run -s search` then finds stickers in English, German and Japanese
 * through relay, gateway and a token; Ctrl-C (SIGINT) stops everything cleanly. Ports are moved
 * to free ones so the test cannot collide with a stack a developer is running.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "@oblivious/scripts/stack";
import { freePort } from "@oblivious/test-kit";
import { fetchBytes, innerRequest, post, seal } from "./harness.js";

const run = promisify(execFile);

const PORT_VARIABLES = [
  "RELAY_PORT", "RELAY_ADMIN_PORT", "GATEWAY_PORT", "GATEWAY_ADMIN_PORT", "ISSUER_PORT", "ISSUER_ADMIN_PORT",
  "STICKER_SEARCH_PORT", "STICKER_SEARCH_ADMIN_PORT", "TELEMETRY_PORT", "TELEMETRY_ADMIN_PORT",
] as const;

test("npm start, then npm run -s search in three languages, then Ctrl-C", { timeout: 120_000 }, async () => {
  const ports: Record<string, string> = {};
  for (const name of PORT_VARIABLES) ports[name] = String(await freePort());
  const devDir = mkdtempSync(join(tmpdir(), "start-test-"));
  const env = { ...process.env, ...ports, START_DEV_DIR: devDir };
  const child = spawn(process.execPath, [join(ROOT, "scripts/dist/start.js")], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const relayUrl = `http://127.0.0.1:${ports["RELAY_PORT"]}`;
  let passed = false;
  try {
    const deadline = Date.now() + 60_000;
    // The banner arrives in several writes: wait for its last line, not its first.
    while (!stderr.includes("Press Ctrl-C to stop.") && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    assert.match(stderr, /The stack is ready/, stderr);
    for (const [name, variable] of [["relay", "RELAY_PORT"], ["gateway", "GATEWAY_PORT"], ["issuer", "ISSUER_PORT"], ["sticker-search", "STICKER_SEARCH_PORT"], ["telemetry", "TELEMETRY_PORT"]] as const) {
      assert.match(stderr, new RegExp(`${name}\\s+http://127\\.0\\.0\\.1:${ports[variable]}`), `${name} URL printed`);
    }

    // The second command, as the README gives it, in three languages and scripts.
    const searchEnv = { ...env, RELAY_URL: relayUrl, ISSUER_URL: `http://127.0.0.1:${ports["ISSUER_PORT"]}` };
    for (const [locale, query, emoji] of [["en", "cat", "🐱"], ["de", "Katze", "🐱"], ["ja", "猫", "🐱"], ["de", "Hund", "🐶"]] as const) {
      const { stdout } = await run(process.execPath, [join(ROOT, "scripts/dist/search.js"), "--locale", locale, query], { env: searchEnv });
      assert.match(stdout, /through relay and gateway with an ARC token/, stdout);
      assert.ok(stdout.includes(emoji), `${locale} "${query}" finds ${emoji}:\n${stdout}`);
    }
    const { stdout: json } = await run(process.execPath, [join(ROOT, "scripts/dist/search.js"), "--json", "--limit", "3", "elephnat"], { env: searchEnv });
    const parsed = JSON.parse(json) as { hits: { emoji: string }[]; limit: number; kem: string; tokenType: string };
    assert.equal(parsed.limit, 3);
    assert.equal(parsed.tokenType, "arc", "npm start gives sticker-search an ARC key and the CLI presents ARC where offered");
    assert.equal(parsed.kem, "x-wing", "npm start lists an X-Wing key and the CLI seals to it");

    // `search -- cat` as the README gives it, with --verbose saying which key it sealed to; and
    // the X25519 key of the same listing still answers.
    const cat = await run(process.execPath, [join(ROOT, "scripts/dist/search.js"), "--verbose", "cat"], { env: searchEnv });
    assert.match(cat.stderr, /sealed to the gateway's X-Wing \(MLKEM768-X25519, post-quantum hybrid\) key/, cat.stderr);
    assert.ok(cat.stdout.includes("🐱"));
    const classic = await run(process.execPath, [join(ROOT, "scripts/dist/search.js"), "--kem", "x25519", "--json", "cat"], { env: searchEnv });
    assert.equal((JSON.parse(classic.stdout) as { kem: string }).kem, "x25519");
    assert.ok(parsed.hits.some((h) => h.emoji === "🐘"), "a typo still finds the elephant");

    // A refusal is named in words: an unknown locale is the search's answer, not a stack that is down.
    const refused = await run(process.execPath, [join(ROOT, "scripts/dist/search.js"), "--locale", "zz", "chat"], { env: searchEnv }).then(
      () => assert.fail("an unknown locale must fail"),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /the search was refused: Unknown Locale: locale must be one of the catalogue's locales\./, refused.stderr);
    assert.doesNotMatch(refused.stderr, /npm start/, "a refusal does not suggest starting the stack");

    // A bare OHTTP exchange without a token: the search answers 401 with a PrivateToken
    // challenge, inside the encapsulated response.
    const keys = await fetchBytes(`${relayUrl}/ohttp-keys`);
    const exchange = seal(keys, {
      ...innerRequest("/v1/search", [["content-type", "application/json"]], "POST", new TextEncoder().encode('{"q":"cat","locale":"en","limit":5}')),
      authority: "sticker-search.internal",
    });
    const answer = await post(`${relayUrl}/relay`, exchange.encapsulatedRequest, { "content-type": "message/ohttp-req" });
    assert.equal(answer.status, 200);
    const inner = exchange.open(new Uint8Array(answer.body));
    assert.equal(inner.status, 401);
    assert.match(inner.headers.find(([n]) => n === "www-authenticate")?.[1] ?? "", /^PrivateToken challenge=/);
    passed = true;
  } finally {
    child.kill("SIGINT");
    const code = await exited;
    rmSync(devDir, { recursive: true, force: true });
    // After a failure above, that failure is the one to report, not the exit code.
    if (passed) assert.equal(code, 0, "Ctrl-C stops the stack cleanly");
  }
});
