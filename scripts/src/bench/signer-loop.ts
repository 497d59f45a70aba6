/**
 * The issuer's signing step alone, in a bare loop on one core: what a signer thread costs a
 * signature before any HTTP, credential, quota or trip to a worker. Run pinned to core 0 by
 * `npm run bench`, between the two `openssl speed` runs; prints one JSON line.
 *
 * - `sign`: NativeBlindSigner.sign, the issuer's BlindSign (RFC 9474 §4.3): the input checks,
 *   the private operation (`privateDecrypt`, RSA_NO_PADDING), RSAVP1 of the result
 *   (`publicEncrypt`) and the comparison s^e = m, and the copy that leaves.
 * - `privateDecrypt`: the private operation alone through node:crypto, what `openssl speed`
 *   measures with node's call around it.
 * - Both are per CPU-second of this process (process.cpuUsage), like `openssl speed`. They run in
 *   `rounds` interleaved rounds and each keeps its best: noise only ever slows a loop down.
 * - The blinded messages are random below the modulus; RSA's cost does not depend on them.
 *
 * argv: secondsPerLoop rounds
 */
import { constants, generateKeyPairSync, privateDecrypt, randomBytes } from "node:crypto";
import { NativeBlindSigner } from "@oblivious/privacypass";

const seconds = Number(process.argv[2] ?? "2");
const rounds = Number(process.argv[3] ?? "3");

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signer = new NativeBlindSigner(privateKey);
// A top byte below 0x80 keeps each message below n, whose top bit is set.
const messages = Array.from({ length: 64 }, () => {
  const m = randomBytes(signer.modulusBytes);
  m[0] = (m[0] ?? 0) & 0x7f;
  return m;
});

const cpuUs = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** Calls `op` on each message in turn until `seconds` of CPU have passed; µs of CPU per call. */
function perCall(op: (m: Buffer) => unknown): number {
  const start = cpuUs();
  let calls = 0;
  while (cpuUs() - start < seconds * 1e6) {
    for (const m of messages) op(m);
    calls += messages.length;
  }
  return (cpuUs() - start) / calls;
}

const sign = (m: Buffer): unknown => signer.sign(m);
const bare = (m: Buffer): unknown => privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, m);
// One pass of each before the clock, so that both are compiled and OpenSSL's caches are set up.
for (const m of messages) {
  sign(m);
  bare(m);
}
const signUs: number[] = [];
const bareUs: number[] = [];
for (let r = 0; r < rounds; r++) {
  signUs.push(perCall(sign));
  bareUs.push(perCall(bare));
}
process.stdout.write(
  `${JSON.stringify({ signUsPerCall: Math.min(...signUs), privateDecryptUsPerCall: Math.min(...bareUs), rounds: { sign: signUs, privateDecrypt: bareUs } })}\n`,
);
