/**
 * `npm run privacy-audit`: starts the whole stack on the real Redis, drives every flow with
 * canary values, and prints who saw what (audit/run.ts). Exits 1 when a cell breaks the privacy
 * contract or a flow did not run as intended (a silent audit of a broken path proves nothing).
 *
 * REDIS_URL: the Redis to use (default redis://127.0.0.1:6379); only keys under a fresh prefix
 * are read, and they are deleted afterwards.
 */
import { runAudit } from "./audit/run.js";

async function main(): Promise<number> {
  const redisUrl = process.env["REDIS_URL"] || "redis://127.0.0.1:6379";
  const result = await runAudit({ redisUrl });
  const out: string[] = [`The client sealed its requests to the gateway's ${result.flows.kem ?? "(no)"} key.`, "", "Flows driven (status the client got, expected):"];
  for (const s of result.flows.steps) out.push(`  ${s.status === s.expected ? "ok  " : "FAIL"}  ${s.flow}: ${s.status} (expected ${s.expected})`);
  out.push("", "What each hop received (recorded between the hops):");
  for (const h of result.hops) out.push(`  ${h.hop}: ${h.connections} connection(s) from ${h.peers.join(", ") || "-"}; header names: ${h.headerNames.join(", ") || "-"}`);
  const s = result.searched;
  out.push("", `Searched: ${s.logLines} log lines, ${s.metricsPages} /metrics pages, ${s.redisKeys} Redis keys, ${s.hopBytes} bytes received by the hops.`);
  out.push("", "Who saw what (component by canary):", "", result.matrix, "");
  for (const v of result.violations) out.push(`VIOLATION: ${v.component} ${v.channel} ${v.canary} (${v.where})`);
  const failedFlows = result.flows.steps.filter((step) => step.status !== step.expected);
  const ok = result.violations.length === 0 && failedFlows.length === 0;
  out.push(ok ? "Privacy contract kept: no violation." : `Privacy audit FAILED: ${result.violations.length} violation(s), ${failedFlows.length} flow(s) not as expected.`);
  console.log(out.join("\n"));
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    // A client error carries the inner answer's status, never a value from the request.
    const status = e instanceof Error && "status" in e && typeof e.status === "number" ? ` (status ${e.status})` : "";
    console.error(`privacy-audit: ${e instanceof Error ? e.message : "failed"}${status}`);
    process.exit(1);
  },
);
