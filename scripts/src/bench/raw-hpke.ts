/**
 * The physical limit for the gateway: one full gateway-side OHTTP exchange (HPKE setup and open
 * of the request, export and seal of the response) in a bare loop, no HTTP, for a key of one KEM
 * (argv[3]: x25519, the default, or x-wing). Run pinned to one core by `npm run bench`; prints
 * one JSON line.
 */
import { KemId, kemFor } from "@oblivious/ohttp";
import { benchRawHpke } from "@oblivious/ohttp/bench";

const durationMs = Number(process.argv[2] ?? "5000");
const kemId = process.argv[3] === "x-wing" ? KemId.MlKem768X25519 : KemId.DhkemX25519HkdfSha256;
const opsPerSecond = benchRawHpke(durationMs, kemId);
process.stdout.write(`${JSON.stringify({ opsPerSecond, kem: kemFor(kemId).name, backend: kemFor(kemId).backend })}\n`);
