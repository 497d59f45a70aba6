/**
 * ARC (suite ARCV1-P256) costs on this machine, in one run, side by side:
 *
 * - the primitives its cost is made of (@noble/curves 2.4.0 P-256: scalar multiplication on a
 *   variable base, constant and variable time, on G and H with their precomputed tables;
 *   RFC 9380 hash-to-curve; SEC1 point encoding);
 * - the five ARC operations: CreateCredentialRequest (client), CreateCredentialResponse (issuer,
 *   request proof verification included), FinalizeCredential (client, response proof verification
 *   included), Present with presentation limits 2 and 100, VerifyPresentation for both;
 * - RSA-2048 blind signing through NativeBlindSigner (the type-2 issuer's operation), as the
 *   reference ratio for the issuer's side.
 *
 * Rates are operations per CPU-second of this process (process.cpuUsage over the timed loop), so
 * other processes sharing the core do not lower them; wall-clock rates and the CPU share are
 * printed beside them. Each operation runs for at least `--seconds` of CPU (default 1) after a
 * warm-up. Wire sizes are printed too. Usage: node scripts/dist/bench/arc.js [--seconds 1] [--json]
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import {
  ArcPresentationState,
  NativeBlindSigner,
  arcPresentationLength,
  arcSystemRandom,
  createArcCredentialRequest,
  createArcCredentialResponse,
  encodeArcCredentialRequest,
  encodeArcCredentialResponse,
  encodeArcServerPublicKey,
  finalizeArcCredential,
  generateArcServerKey,
  verifyArcPresentation,
} from "@oblivious/privacypass";
import type { ArcPresentation } from "@oblivious/privacypass";
import { arcPrimitiveOps } from "@oblivious/privacypass/arc-bench";

interface Rate {
  readonly name: string;
  readonly operations: number;
  readonly perCpuSecond: number;
  readonly perWallSecond: number;
  readonly msPerOp: number;
  readonly cpuShare: number;
}

function measure(name: string, cpuSeconds: number, op: (i: number) => void): Rate {
  for (let i = 0; i < 3; i++) op(i); // warm-up (JIT, lazy tables)
  const budgetUs = cpuSeconds * 1e6;
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  let operations = 0;
  let cpuUs = 0;
  while (cpuUs < budgetUs || operations < 5) {
    op(operations++);
    const used = process.cpuUsage(cpu0);
    cpuUs = used.user + used.system;
  }
  const wallS = Number(process.hrtime.bigint() - wall0) / 1e9;
  const cpuS = cpuUs / 1e6;
  return { name, operations, perCpuSecond: operations / cpuS, perWallSecond: operations / wallS, msPerOp: (cpuS * 1000) / operations, cpuShare: cpuS / wallS };
}

function main(): void {
  const args = process.argv.slice(2);
  const secondsArg = args.indexOf("--seconds");
  const seconds = secondsArg >= 0 ? Number(args[secondsArg + 1]) : 1;
  if (!(seconds > 0)) throw new Error("--seconds must be a positive number");
  const rng = arcSystemRandom;
  const rates: Rate[] = [];

  const prim = arcPrimitiveOps();
  rates.push(measure("P-256 s*P, variable base (constant time)", seconds, prim.scalarMultVariableBase));
  rates.push(measure("P-256 s*P, variable base (variable time)", seconds, prim.scalarMultVariableBasePublic));
  rates.push(measure("P-256 s*G (precomputed)", seconds, prim.scalarMultGeneratorG));
  rates.push(measure("P-256 s*H (precomputed)", seconds, prim.scalarMultGeneratorH));
  rates.push(measure("hash-to-curve P256_XMD:SHA-256_SSWU_RO_", seconds, prim.hashToCurve));
  rates.push(measure("SEC1 compressed encoding", seconds, prim.serialize));

  const { privateKey, publicKey } = generateArcServerKey(rng);
  const requestContext = new TextEncoder().encode("2026-12-03");
  const pending = createArcCredentialRequest(requestContext, rng);
  const response = createArcCredentialResponse(privateKey, publicKey, pending.request, rng);
  const credential = finalizeArcCredential(pending.secrets, publicKey, pending.request, response);
  rates.push(measure("ARC CreateCredentialRequest (client)", seconds, () => createArcCredentialRequest(requestContext, rng)));
  rates.push(measure("ARC CreateCredentialResponse (issuer)", seconds, () => createArcCredentialResponse(privateKey, publicKey, pending.request, rng)));
  rates.push(measure("ARC FinalizeCredential (client)", seconds, () => finalizeArcCredential(pending.secrets, publicKey, pending.request, response)));

  const presentationContext = new TextEncoder().encode("search.example 2026-12-03");
  for (const limit of [2, 100]) {
    // Present consumes a nonce; a fresh state per `limit` presentations.
    let state = new ArcPresentationState(credential, presentationContext, limit);
    const samples: ArcPresentation[] = [];
    rates.push(measure(`ARC Present, limit ${limit} (client)`, seconds, () => {
      if (state.remaining === 0) state = new ArcPresentationState(credential, presentationContext, limit);
      const { presentation } = state.present(rng);
      if (samples.length < limit) samples.push(presentation);
    }));
    rates.push(measure(`ARC VerifyPresentation, limit ${limit} (origin)`, seconds, (i) => {
      verifyArcPresentation(privateKey, publicKey, requestContext, presentationContext, samples[i % samples.length] as ArcPresentation, limit);
    }));
  }

  const rsa = new NativeBlindSigner(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey);
  const blinded = Array.from({ length: 16 }, () => {
    const m = new Uint8Array(randomBytes(256));
    m[0] = (m[0] as number) & 0x7f;
    return m;
  });
  rates.push(measure("RSA-2048 blind sign, NativeBlindSigner (type-2 issuer)", seconds, (i) => rsa.sign(blinded[i % blinded.length] as Uint8Array)));

  const sizes = {
    serverPublicKey: encodeArcServerPublicKey(publicKey).length,
    credentialRequest: encodeArcCredentialRequest(pending.request).length,
    credentialResponse: encodeArcCredentialResponse(response).length,
    presentationLimit2: arcPresentationLength(2),
    presentationLimit100: arcPresentationLength(100),
  };

  if (args.includes("--json")) {
    process.stdout.write(`${JSON.stringify({ date: new Date().toISOString(), node: process.version, seconds, rates, sizes }, null, 2)}\n`);
    return;
  }
  const pad = Math.max(...rates.map((r) => r.name.length));
  process.stdout.write(`ARC P-256 benchmark, ${new Date().toISOString()}, node ${process.version}, ${seconds} CPU-s per line\n`);
  process.stdout.write(`${"operation".padEnd(pad)}  ops/CPU-s   ms/op   ops/wall-s  CPU share\n`);
  for (const r of rates) {
    process.stdout.write(`${r.name.padEnd(pad)}  ${r.perCpuSecond.toFixed(1).padStart(9)}  ${r.msPerOp.toFixed(3).padStart(6)}  ${r.perWallSecond.toFixed(1).padStart(11)}  ${r.cpuShare.toFixed(2).padStart(9)}\n`);
  }
  process.stdout.write(`sizes (bytes): ${JSON.stringify(sizes)}\n`);
}

main();
