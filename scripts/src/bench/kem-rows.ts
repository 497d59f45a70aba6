/**
 * `npm run bench`'s rows for the post-quantum gateway key (issue 17), side by side in one run:
 *
 *  - raw HPKE open+seal per second for an X25519 key and an X-Wing key (raw-hpke.ts, core 0);
 *  - the gateway service's requests per second with only an X25519 key and with only an X-Wing
 *    key (gateway-load.ts on core 1 seals to the one listed), each against its raw rate, and
 *    X-Wing's against X25519's;
 *  - on the full path (kem-path.ts): the p50 X-Wing adds over X25519 at one rate, and the bytes
 *    of one search's request and response with each KEM.
 *
 * Interleaved rounds, each subject keeping its best (docs/decisions/0015-benchmark-method.md).
 */
import { join } from "node:path";
import { KemId } from "@oblivious/ohttp";
import { gatewayService, startSubject } from "./gateway-subject.js";
import { runPinned, runUnpinned } from "./pinned.js";

export interface KemRow {
  readonly name: string;
  readonly measured: string;
  readonly limit: string;
  readonly ratio: number;
  readonly goal: number;
  readonly reference?: true;
}

interface KemPathResult {
  readonly rate: number;
  readonly addedP50Ms: number;
  readonly pairs: readonly { readonly x25519P50Ms: number; readonly xWingP50Ms: number; readonly addedP50Ms: number }[];
  readonly errors: number;
  readonly wire: Readonly<Record<"x25519" | "x-wing", { readonly request: number; readonly response: number }>>;
}

const KEMS = { x25519: KemId.DhkemX25519HkdfSha256, "x-wing": KemId.MlKem768X25519 } as const;
type Name = keyof typeof KEMS;

export async function benchKems(here: string, root: string, seconds: number, rounds: number): Promise<{ row: KemRow; detail: Record<string, unknown> }[]> {
  const raw = async (kem: Name): Promise<Record<string, unknown>> => runPinned(0, join(here, "bench/raw-hpke.js"), [String(seconds * 1000), kem]);
  const gateway = async (kem: Name): Promise<Record<string, unknown>> => {
    const subject = await startSubject(gatewayService(join(root, "services/gateway/dist/src/main.js")), [KEMS[kem]]);
    try {
      const [gatewayUrl, keysUrl, targetPort, pid] = subject.load;
      return await runPinned(1, join(here, "bench/gateway-load.js"), [gatewayUrl, keysUrl, targetPort, String(seconds * 1000), "32", pid]);
    } finally {
      await subject.close();
    }
  };
  const raws: Record<Name, Record<string, unknown>[]> = { x25519: [], "x-wing": [] };
  const gateways: Record<Name, Record<string, unknown>[]> = { x25519: [], "x-wing": [] };
  for (let round = 0; round < rounds; round++) {
    process.stderr.write(`kem: round ${round + 1} of ${rounds}\n`);
    // Alternate which KEM goes first, so neither always gets the quieter half of a round.
    const order: Name[] = round % 2 === 0 ? ["x25519", "x-wing"] : ["x-wing", "x25519"];
    for (const kem of order) raws[kem].push(await raw(kem));
    for (const kem of order) gateways[kem].push(await gateway(kem));
  }
  const bestRaw = (kem: Name): number => Math.max(...raws[kem].map((r) => Number(r["opsPerSecond"])));
  const perCore = (r: Record<string, unknown>): number => Number(r["requestsPerGatewayCpuSecond"]);
  const bestGateway = (kem: Name): Record<string, unknown> => gateways[kem].reduce((a, b) => (perCore(b) > perCore(a) ? b : a));
  const rx = bestRaw("x25519");
  const rw = bestRaw("x-wing");
  const gx = bestGateway("x25519");
  const gw = bestGateway("x-wing");
  const rps = (g: Record<string, unknown>): string =>
    `${perCore(g).toFixed(0)} req/s per core (${Number(g["requestsPerSecond"]).toFixed(0)} req/s at ${(Number(g["gatewayCoreUtilization"]) * 100).toFixed(0)}% of the core)`;
  const rawDetail = { x25519: raws.x25519, "x-wing": raws["x-wing"] };
  const gatewayDetail = { x25519: gx, "x-wing": gw, rounds: { x25519: gateways.x25519.map((g) => Math.round(perCore(g))), "x-wing": gateways["x-wing"].map((g) => Math.round(perCore(g))) } };

  process.stderr.write("kem: the full path with each key\n");
  const path = (await runUnpinned(join(here, "bench/kem-path.js"), [String(seconds), "100", String(rounds)])) as unknown as KemPathResult;
  const bytes = (w: { request: number; response: number }): string => `${w.request} B up + ${w.response} B down`;
  const total = (w: { request: number; response: number }): number => w.request + w.response;
  return [
    {
      row: { name: "Raw HPKE open+seal (1 core), X-Wing vs X25519", measured: `${rw.toFixed(0)} open+seal/s with X-Wing`, limit: `${rx.toFixed(0)} open+seal/s with X25519`, ratio: rw / rx, goal: 0, reference: true },
      detail: { rawHpke: rawDetail },
    },
    {
      row: { name: "OHTTP gateway over HTTP, X25519 key only, vs raw HPKE X25519 (1 core)", measured: rps(gx), limit: `${rx.toFixed(0)} open+seal/s`, ratio: perCore(gx) / rx, goal: 0.5 },
      detail: { gateway: gatewayDetail },
    },
    {
      row: { name: "OHTTP gateway over HTTP, X-Wing key only, vs raw HPKE X-Wing (1 core)", measured: rps(gw), limit: `${rw.toFixed(0)} open+seal/s`, ratio: perCore(gw) / rw, goal: 0.5 },
      detail: { gateway: gatewayDetail },
    },
    {
      row: { name: "OHTTP gateway over HTTP, X-Wing vs X25519 (1 core)", measured: `${perCore(gw).toFixed(0)} req/s per core with X-Wing`, limit: `${perCore(gx).toFixed(0)} req/s per core with X25519`, ratio: perCore(gw) / perCore(gx), goal: 0, reference: true },
      detail: { gateway: gatewayDetail },
    },
    {
      row: {
        name: `Full path p50 added by X-Wing over X25519, at ${path.rate} req/s`,
        measured: `${path.addedP50Ms >= 0 ? "+" : ""}${path.addedP50Ms.toFixed(2)} ms, median of ${path.pairs.length} ABBA pairs: ${path.pairs.map((p) => `${p.addedP50Ms >= 0 ? "+" : ""}${p.addedP50Ms.toFixed(2)}`).join(" / ")}`,
        limit: `p50 ${median(path.pairs.map((p) => p.x25519P50Ms)).toFixed(2)} ms with X25519`,
        ratio: median(path.pairs.map((p) => p.xWingP50Ms)) / median(path.pairs.map((p) => p.x25519P50Ms)),
        goal: 0,
        reference: true,
      },
      detail: { kemPath: path },
    },
    {
      row: { name: "Bytes on the wire per search (OHTTP bodies), X-Wing vs X25519", measured: `X-Wing: ${bytes(path.wire["x-wing"])}`, limit: `X25519: ${bytes(path.wire.x25519)}`, ratio: total(path.wire["x-wing"]) / total(path.wire.x25519), goal: 0, reference: true },
      detail: { wire: path.wire },
    },
  ];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
