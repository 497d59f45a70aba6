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
 *   reference ratio for the issuer's side, and type-2 token verification (the type-2 origin's);
 * - every ARC line once per backend, back to back: @noble/curves alone, the node:crypto ECDH
 *   multiplier (src/arc-native.ts, docs/decisions/0030-arc-speed.md) and the p256-native addon
 *   (src/arc-addon.ts, docs/decisions/0055-arc-native-p256.md; the package installs it in Node when
 *   it is built, else ECDH; the addon column is left out, and said so, when it is not built);
 * - a summary: issuer CPU per 1,000 searches (type 2: 1,000 signatures; ARC: 1,000 / limit
 *   responses) and how many times less ARC's is, and verifications per CPU-second for each type.
 *
 * Rates are operations per CPU-second of this process (process.cpuUsage over the timed loop), so
 * other processes sharing the core do not lower them; wall-clock rates and the CPU share are
 * printed beside them. Each operation runs for at least `--seconds` of CPU (default 1) after a
 * warm-up. Wire sizes are printed too. Usage: node scripts/dist/bench/arc.js [--seconds 1] [--limit 100] [--json]
 */
import { constants, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import {
  addonArcMultiplier,
  arcAddonUnavailable,
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
  nativeArcMultiplier,
  setArcMultiplier,
  tokenAuthenticatorInput,
  TokenType,
  verifyArcPresentation,
  verifyToken,
} from "@oblivious/privacypass";
import type { ArcPresentation, Token } from "@oblivious/privacypass";
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

type Backend = "noble" | "ECDH" | "addon";
const backends: readonly Backend[] = addonArcMultiplier === undefined ? ["noble", "ECDH"] : ["noble", "ECDH", "addon"];
const fastest: Backend = backends[backends.length - 1] as Backend;

function useBackend(b: Backend): void {
  setArcMultiplier(b === "addon" ? addonArcMultiplier : b === "ECDH" ? nativeArcMultiplier : undefined);
}

/** Measures `op` once per backend, back to back (interleaved: the load is the same for both). */
function measureBoth(rates: Rate[], name: string, seconds: number, op: (i: number) => void): void {
  for (const b of backends) {
    useBackend(b);
    rates.push(measure(`${name} [${b}]`, seconds, op));
  }
  useBackend(fastest);
}

function rate(rates: readonly Rate[], prefix: string): Rate {
  const r = rates.find((x) => x.name.startsWith(prefix));
  if (r === undefined) throw new Error(`no rate ${prefix}`);
  return r;
}

function main(): void {
  const args = process.argv.slice(2);
  const secondsArg = args.indexOf("--seconds");
  const seconds = secondsArg >= 0 ? Number(args[secondsArg + 1]) : 1;
  if (!(seconds > 0)) throw new Error("--seconds must be a positive number");
  const limitArg = args.indexOf("--limit");
  const dailyLimit = limitArg >= 0 ? Number(args[limitArg + 1]) : 100;
  const rng = arcSystemRandom;
  const rates: Rate[] = [];

  const prim = arcPrimitiveOps();
  measureBoth(rates, "P-256 s*P, variable base, secret s", seconds, prim.scalarMultVariableBase);
  rates.push(measure("P-256 s*P, variable base, public s (noble multiplyUnsafe)", seconds, prim.scalarMultVariableBasePublic));
  measureBoth(rates, "P-256 s*G", seconds, prim.scalarMultGeneratorG);
  measureBoth(rates, "P-256 s*H (noble: precomputed table)", seconds, prim.scalarMultGeneratorH);
  rates.push(measure("hash-to-curve P256_XMD:SHA-256_SSWU_RO_", seconds, prim.hashToCurve));
  rates.push(measure("SEC1 compressed encoding", seconds, prim.serialize));

  const { privateKey, publicKey } = generateArcServerKey(rng);
  const requestContext = new TextEncoder().encode("2026-12-03");
  const pending = createArcCredentialRequest(requestContext, rng);
  const response = createArcCredentialResponse(privateKey, publicKey, pending.request, rng);
  const credential = finalizeArcCredential(pending.secrets, publicKey, pending.request, response);
  measureBoth(rates, "ARC CreateCredentialRequest (client)", seconds, () => createArcCredentialRequest(requestContext, rng));
  measureBoth(rates, "ARC CreateCredentialResponse (issuer)", seconds, () => createArcCredentialResponse(privateKey, publicKey, pending.request, rng));
  measureBoth(rates, "ARC FinalizeCredential (client)", seconds, () => finalizeArcCredential(pending.secrets, publicKey, pending.request, response));

  const presentationContext = new TextEncoder().encode("search.example 2026-12-03");
  for (const limit of [2, dailyLimit]) {
    // Present consumes a nonce; a fresh state per `limit` presentations.
    let state = new ArcPresentationState(credential, presentationContext, limit);
    const samples: ArcPresentation[] = [];
    measureBoth(rates, `ARC Present, limit ${limit} (client)`, seconds, () => {
      if (state.remaining === 0) state = new ArcPresentationState(credential, presentationContext, limit);
      const { presentation } = state.present(rng);
      if (samples.length < Math.min(limit, 16)) samples.push(presentation);
    });
    measureBoth(rates, `ARC VerifyPresentation, limit ${limit} (origin)`, seconds, (i) => {
      verifyArcPresentation(privateKey, publicKey, requestContext, presentationContext, samples[i % samples.length] as ArcPresentation, limit);
    });
  }

  const rsaKeys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const rsa = new NativeBlindSigner(rsaKeys.privateKey);
  const blinded = Array.from({ length: 16 }, () => {
    const m = new Uint8Array(randomBytes(256));
    m[0] = (m[0] as number) & 0x7f;
    return m;
  });
  rates.push(measure("RSA-2048 blind sign, NativeBlindSigner (type-2 issuer)", seconds, (i) => rsa.sign(blinded[i % blinded.length] as Uint8Array)));
  const token: Token = {
    tokenType: TokenType.BlindRsa2048,
    nonce: new Uint8Array(randomBytes(32)),
    challengeDigest: new Uint8Array(randomBytes(32)),
    tokenKeyId: new Uint8Array(randomBytes(32)),
    authenticator: new Uint8Array(0),
  };
  const signed: Token = {
    ...token,
    authenticator: new Uint8Array(sign("sha384", tokenAuthenticatorInput(token), { key: rsaKeys.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 })),
  };
  rates.push(measure("type-2 token verification, verifyToken (type-2 origin)", seconds, () => {
    if (!verifyToken(signed, rsaKeys.publicKey)) throw new Error("type-2 token did not verify");
  }));

  const sizes = {
    serverPublicKey: encodeArcServerPublicKey(publicKey).length,
    credentialRequest: encodeArcCredentialRequest(pending.request).length,
    credentialResponse: encodeArcCredentialResponse(response).length,
    presentationLimit2: arcPresentationLength(2),
    [`presentationLimit${dailyLimit}`]: arcPresentationLength(dailyLimit),
  };

  // Issuer CPU per 1,000 searches: type 2 signs 1,000 tokens (125 batches of 8); ARC answers one
  // credential request per `dailyLimit` searches (each credential allows `dailyLimit` presentations).
  const rsaMs = rate(rates, "RSA-2048 blind sign").msPerOp;
  const summary = {
    dailyLimit,
    addon: addonArcMultiplier === undefined ? `not built: ${arcAddonUnavailable() ?? "?"}` : "loaded",
    issuerMsPer1000SearchesType2: 1000 * rsaMs,
    ...Object.fromEntries(backends.map((b) => [`issuerMsPer1000SearchesArc_${b}`, (1000 / dailyLimit) * rate(rates, `ARC CreateCredentialResponse (issuer) [${b}]`).msPerOp])),
    // The issue's goal: type 2's issuer CPU per 1,000 searches divided by ARC's (goal >= 10).
    issuerTimesLessArc: Object.fromEntries(backends.map((b) => [b, (1000 * rsaMs) / ((1000 / dailyLimit) * rate(rates, `ARC CreateCredentialResponse (issuer) [${b}]`).msPerOp)])),
    arcResponseInRsaSignatures: Object.fromEntries(backends.map((b) => [b, rate(rates, `ARC CreateCredentialResponse (issuer) [${b}]`).msPerOp / rsaMs])),
    verificationsPerCpuSecond: {
      type2: rate(rates, "type-2 token verification").perCpuSecond,
      ...Object.fromEntries(backends.map((b) => [`arc_limit${dailyLimit}_${b}`, rate(rates, `ARC VerifyPresentation, limit ${dailyLimit} (origin) [${b}]`).perCpuSecond])),
    },
  };

  if (args.includes("--json")) {
    process.stdout.write(`${JSON.stringify({ date: new Date().toISOString(), node: process.version, seconds, rates, sizes, summary }, null, 2)}\n`);
    return;
  }
  const pad = Math.max(...rates.map((r) => r.name.length));
  process.stdout.write(`ARC P-256 benchmark, ${new Date().toISOString()}, node ${process.version}, ${seconds} CPU-s per line\n`);
  process.stdout.write(`${"operation".padEnd(pad)}  ops/CPU-s   ms/op   ops/wall-s  CPU share  RSA signs\n`);
  for (const r of rates) {
    process.stdout.write(`${r.name.padEnd(pad)}  ${r.perCpuSecond.toFixed(1).padStart(9)}  ${r.msPerOp.toFixed(3).padStart(6)}  ${r.perWallSecond.toFixed(1).padStart(11)}  ${r.cpuShare.toFixed(2).padStart(9)}  ${(r.msPerOp / rsaMs).toFixed(1).padStart(9)}\n`);
  }
  process.stdout.write(`sizes (bytes): ${JSON.stringify(sizes)}\n`);
  process.stdout.write(`summary: ${JSON.stringify(summary, null, 2)}\n`);
}

main();
