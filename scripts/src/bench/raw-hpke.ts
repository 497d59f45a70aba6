/**
 * The physical limit for the gateway: one full gateway-side OHTTP exchange (HPKE setup and open
 * of the request, export and seal of the response) in a bare loop, no HTTP. Run pinned to one
 * core by `npm run bench`; prints one JSON line.
 */
import { benchRawHpke } from "@oblivious/ohttp/bench";

const durationMs = Number(process.argv[2] ?? "5000");
const opsPerSecond = benchRawHpke(durationMs);
process.stdout.write(`${JSON.stringify({ opsPerSecond })}\n`);
