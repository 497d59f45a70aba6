import { encapsulateRequest } from "./client.js";
import { decapsulateRequest } from "./gateway.js";
import { GatewayKey, SUPPORTED_SYMMETRIC_ALGORITHMS } from "./gateway-key.js";

/**
 * The raw rate of one full gateway-side exchange (decapsulate a request, encapsulate its
 * response), in operations per second on one core, with no HTTP around it. The repository's
 * `npm run bench` compares the gateway's HTTP rate with this one.
 */
export function benchRawHpke(durationMs = 2000): number {
  const key = GatewayKey.generate(1, SUPPORTED_SYMMETRIC_ALGORITHMS);
  const lookup = (keyId: number): GatewayKey | undefined => (keyId === key.keyId ? key : undefined);
  const request = new Uint8Array(160).fill(0x61);
  const response = new Uint8Array(480).fill(0x62);
  // Distinct requests, as a gateway sees them; encapsulating them is the client's cost, not timed.
  const requests = Array.from({ length: 64 }, () => encapsulateRequest(key.config, request).encapsulatedRequest);

  const exchange = (i: number): void => {
    const { context } = decapsulateRequest(lookup, requests[i % requests.length] as Uint8Array);
    context.encapsulateResponse(response);
  };
  for (let i = 0; i < 200; i++) exchange(i); // warm-up

  let operations = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.max(1, Math.round(durationMs))) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 50; i++) exchange(operations++);
    now = process.hrtime.bigint();
  }
  return operations / (Number(now - start) / 1e9);
}
