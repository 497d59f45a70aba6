/** TOKEN_ARC_* from the environment and the origin's ARC key file (src/arc-config.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { arcSystemRandom, encodeArcServerPrivateKey, encodeArcServerPublicKey, generateArcServerKey } from "@oblivious/privacypass";
import { ConfigError, EnvReader } from "@oblivious/service-kit";
import { MemorySpentTokenStore, arcGateOption, readArcKeyFile, readTokenGateConfig } from "../src/index.js";

const key = generateArcServerKey(arcSystemRandom);
const dir = mkdtempSync(join(tmpdir(), "arc-config-"));

test("arc config: the key file raw (128 bytes) or as one line of base64url gives the same key pair; anything else is a ConfigError naming the variable only", () => {
  const bytes = encodeArcServerPrivateKey(key.privateKey);
  const raw = join(dir, "raw.key");
  const text = join(dir, "text.key");
  writeFileSync(raw, bytes);
  writeFileSync(text, `${Buffer.from(bytes).toString("base64url")}\n`);
  const expected = Buffer.from(encodeArcServerPublicKey(key.publicKey)).toString("hex");
  for (const path of [raw, text]) assert.equal(Buffer.from(encodeArcServerPublicKey(readArcKeyFile(path).publicKey)).toString("hex"), expected);
  const bad = join(dir, "bad.key");
  writeFileSync(bad, "not a key");
  for (const path of [bad, join(dir, "missing.key")]) {
    assert.throws(
      () => readArcKeyFile(path),
      (e: unknown) => e instanceof ConfigError && e.variables.join() === "TOKEN_ARC_KEY_FILE" && !e.message.includes("not a key"),
    );
  }
});

test("arc config: without TOKEN_ARC_KEY_FILE (or empty) no ARC; with it the gate offers ARC with the configured rate-limit", () => {
  const read = (env: Record<string, string>) => {
    const reader = new EnvReader(env);
    const config = readTokenGateConfig(reader, { originName: "sticker-search.internal" });
    reader.done();
    return config;
  };
  assert.equal(read({}).arc, undefined);
  assert.equal(read({ TOKEN_ARC_KEY_FILE: "" }).arc, undefined);
  assert.deepEqual(arcGateOption(read({}), new MemorySpentTokenStore()), {});
  const path = join(dir, "gate.key");
  writeFileSync(path, encodeArcServerPrivateKey(key.privateKey));
  const config = read({ TOKEN_ARC_KEY_FILE: path, TOKEN_ARC_RATE_LIMIT: "50", TOKEN_ARC_PERIOD: "1h", TOKEN_ARC_MAX_QUEUE: "4" });
  assert.deepEqual(config.arc, { keyFile: path, presentationLimit: 50, periodMs: 3_600_000, maxQueued: 4 });
  const { arc } = arcGateOption(config, new MemorySpentTokenStore());
  assert.ok(arc !== undefined);
  assert.match(arc.challenge(Date.now()), /^PrivateToken challenge="[^"]+", token-key="[^"]+", max-age=\d+, rate-limit=50$/);
  assert.throws(() => read({ TOKEN_ARC_KEY_FILE: path, TOKEN_ARC_RATE_LIMIT: "1" }), ConfigError);
});
