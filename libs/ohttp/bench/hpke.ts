import { KemId } from "../src/algorithms.js";
import type { Kem } from "../src/kem.js";
import { kemImplementations } from "../src/kem-registry.js";
import { encapsulateRequest } from "../src/client.js";
import { decapsulateRequest } from "../src/gateway.js";
import { GatewayKey, SUPPORTED_SYMMETRIC_ALGORITHMS } from "../src/gateway-key.js";

/** Calls `op` in batches until `durationMs` have passed, after `warmUp` calls; calls per second. */
function rate(durationMs: number, warmUp: number, batch: number, op: (i: number) => void): number {
  for (let i = 0; i < warmUp; i++) op(i);
  let operations = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.max(1, Math.round(durationMs))) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < batch; i++) op(operations++);
    now = process.hrtime.bigint();
  }
  return operations / (Number(now - start) / 1e9);
}

/**
 * The raw rate of one full gateway-side exchange (decapsulate a request, encapsulate its
 * response), in operations per second on one core, with no HTTP around it, for a key of the
 * given KEM (DHKEM(X25519) by default). The repository's `npm run bench` compares the gateway's
 * HTTP rate with this one.
 */
export function benchRawHpke(durationMs = 2000, kemId: KemId = KemId.DhkemX25519HkdfSha256): number {
  const key = GatewayKey.generate(1, SUPPORTED_SYMMETRIC_ALGORITHMS, kemId);
  const lookup = (keyId: number): GatewayKey | undefined => (keyId === key.keyId ? key : undefined);
  const request = new Uint8Array(160).fill(0x61);
  const response = new Uint8Array(480).fill(0x62);
  // Distinct requests, as a gateway sees them; encapsulating them is the client's cost, not timed.
  const requests = Array.from({ length: 64 }, () => encapsulateRequest(key.config, request).encapsulatedRequest);
  return rate(durationMs, kemId === KemId.DhkemX25519HkdfSha256 ? 200 : 20, kemId === KemId.DhkemX25519HkdfSha256 ? 50 : 5, (i) => {
    const { context } = decapsulateRequest(lookup, requests[i % requests.length] as Uint8Array);
    context.encapsulateResponse(response);
  });
}

export interface KemRates {
  readonly kem: string;
  readonly backend: Kem["backend"];
  /** Encap per second (a client's cost per request). */
  readonly encapPerSecond: number;
  /** Decap per second with a loaded key (a gateway's cost per request). */
  readonly decapPerSecond: number;
}

/** Encap and Decap per second on one core for every implementation of a KEM on this runtime. */
export function benchKem(kemId: KemId, durationMs = 1000): KemRates[] {
  return kemImplementations(kemId).map((kem) => {
    const key = kem.generateKeyPair();
    const encs = Array.from({ length: 16 }, () => kem.encap(key.publicKey).enc);
    const encapPerSecond = rate(durationMs, 5, 2, () => kem.encap(key.publicKey));
    const decapPerSecond = rate(durationMs, 5, 2, (i) => kem.decap(encs[i % encs.length] as Uint8Array, key));
    return { kem: kem.name, backend: kem.backend, encapPerSecond, decapPerSecond };
  });
}
