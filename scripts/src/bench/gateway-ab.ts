/**
 * `npm run bench:gateway-ab -- A B [rounds] [seconds]`: two builds of the gateway side by side.
 * A and B are entry points (services/gateway/dist/src/main.js of each build, for example a
 * `git worktree` of the commit before a change, built with `npm ci && npx tsc -b`).
 *
 * Why: the benchmark machine's speed drifts from minute to minute by more than the differences
 * worth measuring, so two gateways measured one after the other differ for no reason of their
 * own (docs/decisions/0015-benchmark-method.md). Here both run at once on core 0 under one load
 * generator on core 1 (gateway-load.ts with two subjects), so the drift hits both alike, and what
 * is compared is their requests per CPU-second in the same window. Each round starts both afresh
 * and swaps their order in the generator's arguments; the median of the rounds' B/A is printed
 * last (0015 gives how closely two equal builds agree). Each gateway gets about half the core, so absolute rates are lower than in `npm run bench`:
 * read the ratio, not the rates.
 */
import { join } from "node:path";
import { ROOT } from "../stack.js";
import { gatewayService, startSubject } from "./gateway-subject.js";
import { runPinned } from "./pinned.js";

const [a, b, roundsText = "4", secondsText = "5"] = process.argv.slice(2);
if (a === undefined || b === undefined) {
  process.stderr.write("usage: npm run bench:gateway-ab -- A/main.js B/main.js [rounds] [seconds]\n");
  process.exit(2);
}
const rounds = Number(roundsText);
const seconds = Number(secondsText);

interface Load {
  readonly requestsPerGatewayCpuSecond: number;
  readonly gatewayCpuUsPerRequest: number;
  readonly errors: Record<string, number>;
}

const ratios: number[] = [];
for (let round = 0; round < rounds; round++) {
  const first = await startSubject(gatewayService(a));
  let second: Awaited<ReturnType<typeof startSubject>> | undefined;
  try {
    second = await startSubject(gatewayService(b));
    // Even rounds load A first in the argument list, odd rounds B.
    const order = round % 2 === 0 ? [first, second] : [second, first];
    const [x, y] = order.map((s) => s.load);
    const [url, keys, target, pid] = x ?? [];
    const result = await runPinned(1, join(ROOT, "scripts/dist/bench/gateway-load.js"), [url ?? "", keys ?? "", target ?? "", String(seconds * 1000), "32", pid ?? "", ...(y ?? [])]);
    const [r0, r1] = result["subjects"] as [Load, Load];
    const [ra, rb] = round % 2 === 0 ? [r0, r1] : [r1, r0];
    const ratio = rb.requestsPerGatewayCpuSecond / ra.requestsPerGatewayCpuSecond;
    ratios.push(ratio);
    const errors = Object.keys({ ...ra.errors, ...rb.errors }).length > 0 ? ` errors A ${JSON.stringify(ra.errors)} B ${JSON.stringify(rb.errors)}` : "";
    console.log(
      `round ${round + 1}: A ${ra.requestsPerGatewayCpuSecond.toFixed(0)} req/s per core (${ra.gatewayCpuUsPerRequest.toFixed(1)} µs), ` +
        `B ${rb.requestsPerGatewayCpuSecond.toFixed(0)} (${rb.gatewayCpuUsPerRequest.toFixed(1)} µs), B/A ${ratio.toFixed(3)}${errors}`,
    );
  } finally {
    await Promise.all([first.close(), second?.close()]);
  }
}
const sorted = [...ratios].sort((p, q) => p - q);
const median = sorted.length % 2 === 1 ? (sorted[(sorted.length - 1) / 2] as number) : ((sorted[sorted.length / 2 - 1] as number) + (sorted[sorted.length / 2] as number)) / 2;
console.log(`B/A median ${median.toFixed(3)} (rounds: ${ratios.map((r) => r.toFixed(3)).join(", ")})`);
