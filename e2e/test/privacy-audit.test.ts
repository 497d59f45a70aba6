/**
 * `npm run privacy-audit` as a test: the whole stack, every flow, every capture. It must come out
 * clean; and a build with one leaky line must be caught, in the right cell, by the same audit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runAudit } from "@oblivious/scripts/audit";

const REDIS_URL = "redis://127.0.0.1:6379";

test("privacy audit: every flow runs and no cell breaks the contract", { timeout: 120_000 }, async () => {
  const result = await runAudit({ redisUrl: REDIS_URL });
  for (const step of result.flows.steps) assert.equal(step.status, step.expected, step.flow);
  assert.ok(result.flows.searchHits > 0, "a real search found stickers");
  assert.equal(result.flows.kem, "x-wing", "the audit runs on the gateway's X-Wing key");
  assert.deepEqual(result.violations, [], result.matrix);
  // The audit saw something everywhere it should have: otherwise a clean matrix would prove nothing.
  const seen = (component: string, canary: string): string => result.cells.find((c) => c.component === component && c.canary === canary)?.seen ?? "";
  assert.equal(seen("relay", "client_ip"), "R");
  assert.equal(seen("sticker-search", "query"), "R");
  assert.equal(seen("sticker-search", "token"), "R", "tokens were read from what sticker-search received and searched for");
  assert.equal(seen("telemetry", "token"), "R");
  // ARC (npm start gives each token-gated origin an ARC key; the client presents ARC there): the
  // issuer received the credential exchange and never a presentation, and no one else saw either.
  assert.equal(seen("issuer", "arc_credential"), "R", "the credential exchange was read from what the issuer received and searched for");
  assert.equal(seen("issuer", "token"), "", "the issuer never sees a presentation");
  for (const component of ["gateway", "sticker-search", "telemetry", "redis"]) assert.equal(seen(component, "arc_credential"), "", component);
  assert.ok(result.searched.logLines > 20 && result.searched.redisKeys > 0 && result.searched.metricsPages === 5, JSON.stringify(result.searched));
  // The relay passed on no header of the client's: the gateway got only the relay's own.
  const relayHop = result.hops.find((h) => h.hop === "relay → gateway");
  assert.ok(relayHop !== undefined);
  for (const name of ["user-agent", "cookie", "x-forwarded-for", "x-client-id", "forwarded", "via"]) assert.ok(!relayHop.headerNames.includes(name), name);
});

test("privacy audit: a telemetry build that logs the Authorization header is caught as telemetry/token/logged", { timeout: 120_000 }, async () => {
  const leaky = join(fileURLToPath(new URL(".", import.meta.url)), "fixtures/leaky-telemetry.js");
  const result = await runAudit({ redisUrl: REDIS_URL, entries: { telemetry: leaky } });
  assert.deepEqual(
    [...new Set(result.violations.map((v) => `${v.component}/${v.canary}/${v.channel}`))],
    ["telemetry/token/logged"],
    result.matrix,
  );
  assert.match(result.matrix, /telemetry\s+\.\s+\.\s+\.\s+\.\s+\.\s+!RL/);
});

test("privacy audit: a port taken before its service binds it starts the stack again; another start-up failure is named", { timeout: 120_000 }, async () => {
  const fixtures = join(fileURLToPath(new URL(".", import.meta.url)), "fixtures");
  const marker = join(fixtures, `.port-taken-once-${process.pid}`);
  rmSync(marker, { force: true });
  try {
    const result = await runAudit({ redisUrl: REDIS_URL, entries: { telemetry: join(fixtures, "port-taken-once.js") } });
    assert.ok(existsSync(marker), "the first start failed with address_in_use");
    assert.deepEqual(result.violations, [], result.matrix);
  } finally {
    rmSync(marker, { force: true });
  }
  await assert.rejects(runAudit({ redisUrl: REDIS_URL, entries: { telemetry: join(fixtures, "start-refused.js") } }), /telemetry exited with code 1 during start-up \(telemetry: .*"config_invalid"/);
});
