/**
 * `npm start`: the whole stack on embedded defaults (in-memory stores, development keys), one
 * process per service, with each URL printed once everything is ready. Ctrl-C drains and stops.
 */
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { ROOT, ensureDevMaterial, startStack } from "./stack.js";
import { describeStores } from "./stack-redis.js";

async function main(): Promise<void> {
  // Ctrl-C while the stack is still starting: the services already spawned are stopped too,
  // never left running without the process that started them.
  const spawned: ChildProcess[] = [];
  const interruptStart = (): void => {
    for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    console.error("Interrupted during start-up; the services started so far were stopped.");
    process.exit(130);
  };
  process.on("SIGINT", interruptStart);
  process.on("SIGTERM", interruptStart);
  // START_DEV_DIR moves the development key material (the tests use a temporary directory).
  const devDir = process.env["START_DEV_DIR"] ?? join(ROOT, ".dev");
  const material = await ensureDevMaterial(devDir);
  if (material.created) {
    console.error(`Created DEVELOPMENT-ONLY keys and a development attester in ${devDir}; never use them in production.`);
  }
  if (material.addedKems.length > 0) {
    console.error(`Added a DEVELOPMENT-ONLY gateway key (${material.addedKems.join(", ")}) to ${material.gatewayKeysFile}.`);
  }
  const stack = await startStack({ env: process.env, devDir, onSpawn: (_name, child) => spawned.push(child) });
  process.off("SIGINT", interruptStart);
  process.off("SIGTERM", interruptStart);
  const width = Math.max(...stack.services.map((s) => s.name.length));
  console.error(`\nThe stack is ready (${describeStores(process.env)}):`);
  for (const s of stack.services) {
    console.error(`  ${s.name.padEnd(width)}  ${s.url}  (admin ${s.adminUrl}: /metrics /healthz /readyz)`);
    console.error(`  ${"".padEnd(width)}  ${s.endpoints.join(", ")}`);
  }
  console.error("\nSearch as a client would (credential, tokens, relay, gateway): npm run -s search -- cat");
  console.error("A device credential for the issuer: npm run -s mint-credential -- DEVICE_ID");
  console.error("Press Ctrl-C to stop.\n");

  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    stack.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  const first = await stack.exited;
  if (!stopping) {
    console.error(`${first.name} exited unexpectedly (code ${first.code}); stopping the stack.`);
    await stack.stop();
    process.exit(1);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : "start failed");
  process.exit(1);
});
