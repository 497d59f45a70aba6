/**
 * The attester checks device credentials with node:crypto and its own JWS/JWT reading (see
 * src/attestation.ts); until then it called jose's `jwtVerify`. This test generates valid and
 * damaged credentials and checks that both answer the same: accepted with the same device id, or
 * refused for the same reason. The reference below is the former attester, verbatim but for its
 * shape: the Bearer parsing, `jwtVerify` with the same options and jose's local JWKS, the same
 * mapping of jose's errors to reasons, the same `sub` check.
 *
 * The only credentials where they may differ are the ones the new verifier refuses on purpose
 * (src/attestation.ts says why): a segment that is not strict base64url but that `atob` reads
 * (padding, non-zero unused bits), any `crit` header, a `b64` other than `true`. There it must
 * refuse; jose's answer does not matter.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { join } from "node:path";
import fc from "fast-check";
import { createLocalJWKSet, errors, exportJWK, jwtVerify, type JWK } from "jose";
import { CredentialFailure, MAX_CREDENTIAL_LENGTH, MAX_DEVICE_ID_LENGTH, createAttester, type AttestationResult, type Attester } from "../src/attestation.js";
import { T0, tempDir, writeJson } from "./helpers.js";

const ISS = "https://accounts.example";
const AUD = "issuer.internal";
const TOLERANCE_S = 30;
const NOW = Math.floor(T0 / 1000);

type Kind = "ES256" | "EdDSA" | "HS256";

interface Signer {
  readonly name: string;
  readonly kind: Kind;
  readonly kid: string;
  readonly privateKey: KeyObject | Buffer;
  /** Its entry in the JWKS; undefined for a key the issuer does not know. */
  readonly jwk: JWK | undefined;
}

async function signer(name: string, kind: "ES256" | "EdDSA", kid: string, inJwks: Partial<JWK> | undefined): Promise<Signer> {
  const { privateKey, publicKey } = kind === "ES256" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("ed25519");
  return { name, kind, kid, privateKey, jwk: inJwks === undefined ? undefined : { ...(await exportJWK(publicKey)), kid, ...inJwks } };
}

/** The JWKS covers jose's selection rules: alg, use, key_ops, a kid shared by two keys, an encryption key. */
const SIGNERS: readonly Signer[] = [
  await signer("es-1", "ES256", "es-1", { alg: "ES256", use: "sig" }),
  await signer("ed-1", "EdDSA", "ed-1", { alg: "EdDSA", use: "sig" }),
  await signer("es-2", "ES256", "es-2", { key_ops: ["verify"] }),
  await signer("dup-a", "ES256", "dup", {}),
  await signer("dup-b", "ES256", "dup", {}),
  await signer("es-enc", "ES256", "es-enc", { use: "enc" }),
  await signer("stranger-es", "ES256", "stranger", undefined),
  await signer("stranger-ed", "EdDSA", "ed-1", undefined),
  { name: "hmac", kind: "HS256", kid: "es-1", privateKey: Buffer.from("a shared secret that is no key of the issuer"), jwk: undefined },
];
const JWKS = { keys: SIGNERS.flatMap((s) => (s.jwk === undefined ? [] : [s.jwk])) };

function signerNamed(name: string): Signer {
  const found = SIGNERS.find((s) => s.name === name);
  if (found === undefined) throw new Error(name);
  return found;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The former attester, with jose (see the file comment). */
function joseReference(): (authorization: string) => Promise<AttestationResult> {
  const getKey = createLocalJWKSet(JWKS);
  const failureOf = (e: unknown): CredentialFailure => {
    if (e instanceof errors.JWTExpired) return CredentialFailure.Expired;
    if (e instanceof errors.JWTClaimValidationFailed) {
      if (e.claim === "iss") return CredentialFailure.WrongIssuer;
      if (e.claim === "aud") return CredentialFailure.WrongAudience;
      if (e.claim === "nbf") return CredentialFailure.NotYetValid;
      return CredentialFailure.InvalidClaims;
    }
    if (e instanceof errors.JWSSignatureVerificationFailed) return CredentialFailure.BadSignature;
    if (e instanceof errors.JOSEAlgNotAllowed || e instanceof errors.JOSENotSupported) return CredentialFailure.AlgorithmNotAllowed;
    if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys) return CredentialFailure.UnknownKey;
    return CredentialFailure.Malformed;
  };
  return async (authorization) => {
    if (authorization === "") return { ok: false, failure: CredentialFailure.Missing };
    if (authorization.length > MAX_CREDENTIAL_LENGTH) return { ok: false, failure: CredentialFailure.Malformed };
    const match = BEARER.exec(authorization);
    if (match === null) return { ok: false, failure: /^bearer(?: |$)/i.test(authorization) ? CredentialFailure.Malformed : CredentialFailure.Missing };
    try {
      const { payload } = await jwtVerify(match[1] ?? "", getKey, {
        algorithms: ["ES256", "EdDSA"],
        issuer: ISS,
        audience: AUD,
        clockTolerance: TOLERANCE_S,
        requiredClaims: ["exp", "sub"],
        currentDate: new Date(T0),
      });
      const sub = payload.sub;
      if (typeof sub !== "string" || sub.length === 0 || sub.length > MAX_DEVICE_ID_LENGTH) return { ok: false, failure: CredentialFailure.InvalidClaims };
      return { ok: true, deviceId: sub };
    } catch (e) {
      return { ok: false, failure: failureOf(e) };
    }
  };
}

/** How jose on Node 20 reads base64url (atob, after swapping the alphabet); undefined where it throws. */
function lenientBase64url(text: string): Buffer | undefined {
  if (text.includes("+") || text.includes("/")) return undefined;
  try {
    return Buffer.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), "latin1");
  } catch {
    return undefined;
  }
}

const STRICT = /^[A-Za-z0-9_-]*$/;
function canonical(text: string): boolean {
  const bytes = lenientBase64url(text);
  return bytes !== undefined && STRICT.test(text) && bytes.toString("base64url") === text;
}

/** A credential the new verifier refuses on purpose, where jose may go on. */
function refusedOnPurpose(authorization: string): boolean {
  const jwt = BEARER.exec(authorization)?.[1];
  if (jwt === undefined) return false;
  const segments = jwt.split(".");
  if (segments.length !== 3) return false;
  if (segments.some((s) => lenientBase64url(s) !== undefined && !canonical(s))) return true;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(lenientBase64url(segments[0] ?? "")));
  } catch {
    return false;
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) return false;
  const h = header as Record<string, unknown>;
  return h["crit"] !== undefined || (Object.hasOwn(h, "b64") && h["b64"] !== true);
}

// ---------------------------------------------------------------------------------------------
// Credentials: a header and a claims set (each member valid most of the time), a signing key, and
// then perhaps a damage to the bytes or to the compact form.

const ABSENT = "(absent)";
/** `valid` six times in seven, otherwise one of `others` (ABSENT leaves the member out). */
const mostly = (valid: unknown, ...others: unknown[]): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 6, arbitrary: fc.constant(valid) }, { weight: 1, arbitrary: fc.constantFrom(...others) });
const SIGNER_ALG = "(the signer's)";
const SIGNER_KID = "(the signer's kid)";

const headerArb = fc.record(
  {
    alg: mostly(SIGNER_ALG, "ES256", "EdDSA", "Ed25519", "ES384", "none", "HS256", "RS256", "", 5, null, ABSENT),
    kid: mostly(SIGNER_KID, "es-1", "ed-1", "es-2", "dup", "es-enc", "unknown", 7, null, ABSENT),
    typ: fc.constantFrom("JWT", ABSENT, 1),
    crit: fc.oneof({ weight: 12, arbitrary: fc.constant(ABSENT) }, { weight: 1, arbitrary: fc.constantFrom(["b64"], ["exp"], ["b64", "x"], [], [""], "b64", null) }),
    b64: fc.oneof({ weight: 12, arbitrary: fc.constant(ABSENT) }, { weight: 1, arbitrary: fc.constantFrom(true, false, "false", null) }),
  },
  { noNullPrototype: true },
);

const claimsArb = fc.record(
  {
    sub: mostly("device-1", "d".repeat(MAX_DEVICE_ID_LENGTH), "d".repeat(MAX_DEVICE_ID_LENGTH + 1), "", "appareil-é", 5, null, ["device-1"], ABSENT),
    iss: mostly(ISS, "https://evil.example", [ISS], "", null, ABSENT),
    aud: mostly(AUD, [AUD], ["other", AUD], "other", ["other"], [5, AUD], [], 5, null, ABSENT),
    exp: mostly(NOW + 600, NOW - TOLERANCE_S + 1, NOW - TOLERANCE_S, NOW - TOLERANCE_S - 1, NOW - 3600, NOW + 0.5, "soon", null, ABSENT),
    nbf: fc.oneof(
      { weight: 3, arbitrary: fc.constant(ABSENT) },
      { weight: 1, arbitrary: fc.constantFrom(NOW - 10, NOW + TOLERANCE_S - 1, NOW + TOLERANCE_S, NOW + TOLERANCE_S + 1, "later", null) },
    ),
    iat: fc.constantFrom(ABSENT, NOW, NOW - 60, "now", null),
    extra: fc.constantFrom(ABSENT, "account-7", { nested: [1, 2] }),
  },
  { noNullPrototype: true },
);

/** Other bytes for the header or the claims segment, made from the JSON they would hold. */
const RAW_SEGMENTS: readonly ((json: Buffer) => Buffer)[] = [
  () => Buffer.from("not json"),
  () => Buffer.from("[1,2]"),
  () => Buffer.from("null"),
  () => Buffer.alloc(0),
  () => Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
  (json) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json]),
  (json) => Buffer.from(` ${json.toString()}\n`),
];

const damageArb = fc.oneof(
  { weight: 16, arbitrary: fc.constant({ kind: "none" as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("flip" as const), segment: fc.nat(2), at: fc.nat(), by: fc.integer({ min: 1, max: 63 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), segment: fc.nat(2), drop: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("pad" as const), segment: fc.nat(2), count: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("unusedBits" as const), segment: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("insert" as const), segment: fc.nat(2), at: fc.nat(), char: fc.constantFrom("~", "+", "/", "=", ".", "*", " ") }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("segments" as const), form: fc.constantFrom("drop-signature", "extra-dot", "extra-segment", "empty-signature", "only-dots") }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("swap-payload" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("raw" as const), segment: fc.nat(1), bytes: fc.nat(RAW_SEGMENTS.length - 1) }) },
);

const credentialArb = fc.record(
  {
    header: headerArb,
    claims: claimsArb,
    signer: fc.oneof({ weight: 3, arbitrary: fc.constantFrom("es-1", "ed-1", "es-2") }, { weight: 1, arbitrary: fc.constantFrom(...SIGNERS.map((s) => s.name)) }),
    damage: damageArb,
  },
  { noNullPrototype: true },
);
type Credential = (typeof credentialArb extends fc.Arbitrary<infer T> ? T : never);

function members(spec: Record<string, unknown>, s: Signer): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(spec)) {
    if (value === ABSENT) continue;
    out[name] = value === SIGNER_ALG ? s.kind : value === SIGNER_KID ? s.kid : value;
  }
  return out;
}

function signWith(s: Signer, input: Buffer): Buffer {
  if (s.kind === "HS256") return createHmac("sha256", s.privateKey as Buffer).update(input).digest();
  if (s.kind === "EdDSA") return sign(null, input, s.privateKey as KeyObject);
  return sign("sha256", input, { key: s.privateKey as KeyObject, dsaEncoding: "ieee-p1363" });
}

function build(c: Credential): string {
  const s = signerNamed(c.signer);
  const json: Buffer[] = [Buffer.from(JSON.stringify(members(c.header, s))), Buffer.from(JSON.stringify(members(c.claims, s)))];
  if (c.damage.kind === "raw") {
    const i = c.damage.segment;
    json[i] = RAW_SEGMENTS[c.damage.bytes]?.(json[i] ?? Buffer.alloc(0)) ?? Buffer.alloc(0);
  }
  const [h, p] = json.map((b) => b.toString("base64url")) as [string, string];
  const signed = [h, p, signWith(s, Buffer.from(`${h}.${p}`)).toString("base64url")];
  const d = c.damage;
  const edit = (i: number, f: (text: string) => string): string => signed.map((x, j) => (j === i ? f(x) : x)).join(".");
  switch (d.kind) {
    case "none":
    case "raw":
      return signed.join(".");
    case "flip":
      return edit(d.segment, (x) => {
        if (x.length === 0) return x;
        const at = d.at % x.length;
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        const swapped = alphabet[(alphabet.indexOf(x.charAt(at)) + d.by) % 64] ?? "A";
        return `${x.slice(0, at)}${swapped}${x.slice(at + 1)}`;
      });
    case "truncate":
      return edit(d.segment, (x) => x.slice(0, Math.max(0, x.length - d.drop)));
    case "pad":
      return edit(d.segment, (x) => `${x}${"=".repeat(d.count)}`);
    case "unusedBits":
      // The last character of a partial group, with a low bit set that the decoder drops.
      return edit(d.segment, (x) => {
        if (x.length % 4 === 0) return x;
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        return `${x.slice(0, -1)}${alphabet[alphabet.indexOf(x.charAt(x.length - 1)) | 1] ?? "B"}`;
      });
    case "insert":
      return edit(d.segment, (x) => {
        const at = d.at % (x.length + 1);
        return `${x.slice(0, at)}${d.char}${x.slice(at)}`;
      });
    case "segments":
      if (d.form === "drop-signature") return `${h}.${p}`;
      if (d.form === "extra-dot") return `${signed.join(".")}.`;
      if (d.form === "extra-segment") return `${signed.join(".")}.${signed[2] ?? ""}`;
      if (d.form === "empty-signature") return `${h}.${p}.`;
      return "..";
    case "swap-payload":
      return `${h}.${Buffer.from(JSON.stringify({ sub: "device-2", iss: ISS, aud: AUD, exp: NOW + 600 })).toString("base64url")}.${signed[2] ?? ""}`;
  }
}

async function fileAttester(): Promise<Attester> {
  const path = join(tempDir(), "jwks.json");
  writeJson(path, JWKS);
  return createAttester({
    config: { jwks: { kind: "file", path }, issuer: ISS, audience: AUD, algorithms: ["ES256", "EdDSA"], clockToleranceS: TOLERANCE_S, jwksReloadMs: 0 },
    now: () => T0,
  });
}

test("attestation differential: the node:crypto verifier and jose's jwtVerify agree on generated credentials", async () => {
  const attester = await fileAttester();
  const reference = joseReference();
  const seen = new Map<string, number>();
  try {
    await fc.assert(
      fc.asyncProperty(credentialArb, async (c) => {
        const jwt = build(c);
        const authorization = `Bearer ${jwt}`;
        const ours = await attester.verify(authorization);
        const theirs = await reference(authorization);
        const outcome = ours.ok ? "accepted" : ours.failure;
        seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
        if (refusedOnPurpose(authorization)) {
          assert.equal(ours.ok, false, `refused on purpose: ${jwt} (jose: ${JSON.stringify(theirs)})`);
          seen.set("refused on purpose", (seen.get("refused on purpose") ?? 0) + 1);
          if (theirs.ok) seen.set("jose accepted, refused on purpose", (seen.get("jose accepted, refused on purpose") ?? 0) + 1);
          return;
        }
        assert.deepEqual(ours, theirs, jwt);
      }),
      { numRuns: 4000 },
    );
  } finally {
    attester.close();
  }
  // The generator reaches every outcome a credential can have here (not `missing`: there is always
  // a Bearer credential; not `unavailable`: the JWKS is a file).
  const expected = ["accepted", ...Object.values(CredentialFailure).filter((f) => f !== "missing" && f !== "unavailable"), "refused on purpose", "jose accepted, refused on purpose"];
  for (const outcome of expected) assert.ok((seen.get(outcome) ?? 0) > 0, `no case reached "${outcome}": ${JSON.stringify(Object.fromEntries(seen))}`);
});

test("attestation differential: named cases, each alone", async () => {
  const attester = await fileAttester();
  const reference = joseReference();
  const es = signerNamed("es-1");
  const ed = signerNamed("ed-1");
  const good = { alg: SIGNER_ALG, kid: SIGNER_KID, typ: "JWT", crit: ABSENT, b64: ABSENT };
  const claims = { sub: "device-1", iss: ISS, aud: AUD, exp: NOW + 600, nbf: ABSENT, iat: NOW, extra: ABSENT };
  const none = { kind: "none" as const };
  const cases: [string, Credential, AttestationResult | "refused"][] = [
    ["ES256", { header: good, claims, signer: es.name, damage: none }, { ok: true, deviceId: "device-1" }],
    ["EdDSA", { header: good, claims, signer: ed.name, damage: none }, { ok: true, deviceId: "device-1" }],
    ["EdDSA without kid (one Ed25519 key)", { header: { ...good, kid: ABSENT }, claims, signer: ed.name, damage: none }, { ok: true, deviceId: "device-1" }],
    ["ES256 without kid (several P-256 keys)", { header: { ...good, kid: ABSENT }, claims, signer: es.name, damage: none }, { ok: false, failure: "unknown_key" }],
    ["a kid two keys share", { header: good, claims, signer: "dup-a", damage: none }, { ok: false, failure: "unknown_key" }],
    ["an encryption key", { header: good, claims, signer: "es-enc", damage: none }, { ok: false, failure: "unknown_key" }],
    ["array aud", { header: good, claims: { ...claims, aud: ["other", AUD] }, signer: es.name, damage: none }, { ok: true, deviceId: "device-1" }],
    ["EdDSA header, ES256 key", { header: { ...good, alg: "EdDSA", kid: "es-1" }, claims, signer: es.name, damage: none }, { ok: false, failure: "unknown_key" }],
    ["another key, same kid", { header: good, claims, signer: "stranger-ed", damage: none }, { ok: false, failure: "bad_signature" }],
    ["HS256 with a kid of the JWKS", { header: good, claims, signer: "hmac", damage: none }, { ok: false, failure: "algorithm_not_allowed" }],
    ["exp at the tolerance", { header: good, claims: { ...claims, exp: NOW - TOLERANCE_S }, signer: es.name, damage: none }, { ok: false, failure: "expired" }],
    ["exp within the tolerance", { header: good, claims: { ...claims, exp: NOW - TOLERANCE_S + 1 }, signer: es.name, damage: none }, { ok: true, deviceId: "device-1" }],
    ["nbf past the tolerance", { header: good, claims: { ...claims, nbf: NOW + TOLERANCE_S + 1 }, signer: es.name, damage: none }, { ok: false, failure: "not_yet_valid" }],
    ["nbf not a number", { header: good, claims: { ...claims, nbf: "later" }, signer: es.name, damage: none }, { ok: false, failure: "not_yet_valid" }],
    ["iat not a number", { header: good, claims: { ...claims, iat: "now" }, signer: es.name, damage: none }, { ok: false, failure: "invalid_claims" }],
    ["sub of 257 characters", { header: good, claims: { ...claims, sub: "d".repeat(257) }, signer: es.name, damage: none }, { ok: false, failure: "invalid_claims" }],
    ["no iss", { header: good, claims: { ...claims, iss: ABSENT }, signer: es.name, damage: none }, { ok: false, failure: "wrong_issuer" }],
    ["a BOM before the header", { header: good, claims, signer: es.name, damage: { kind: "raw", segment: 0, bytes: 5 } }, { ok: true, deviceId: "device-1" }],
    ["claims that are an array", { header: good, claims, signer: es.name, damage: { kind: "raw", segment: 1, bytes: 1 } }, { ok: false, failure: "malformed" }],
    ["an extra dot", { header: good, claims, signer: es.name, damage: { kind: "segments", form: "extra-dot" } }, { ok: false, failure: "malformed" }],
    ["crit with an unknown extension", { header: { ...good, crit: ["exp"] }, claims, signer: es.name, damage: none }, { ok: false, failure: "algorithm_not_allowed" }],
    ["crit b64 with b64 true (jose accepts)", { header: { ...good, crit: ["b64"], b64: true }, claims, signer: es.name, damage: none }, "refused"],
    ["b64 false without crit (jose ignores it)", { header: { ...good, b64: false }, claims, signer: es.name, damage: none }, "refused"],
    ["a padded signature (jose accepts)", { header: good, claims, signer: es.name, damage: { kind: "pad", segment: 2, count: 2 } }, "refused"],
    ["a signature with a wrong padding", { header: good, claims, signer: es.name, damage: { kind: "pad", segment: 2, count: 1 } }, { ok: false, failure: "malformed" }],
    ["unused bits set in the signature (jose accepts)", { header: good, claims, signer: es.name, damage: { kind: "unusedBits", segment: 2 } }, "refused"],
  ];
  try {
    for (const [name, c, expected] of cases) {
      const authorization = `Bearer ${build(c)}`;
      const ours = await attester.verify(authorization);
      if (expected === "refused") {
        assert.equal(ours.ok, false, name);
        assert.equal(refusedOnPurpose(authorization), true, name);
        assert.deepEqual(await reference(authorization), { ok: true, deviceId: "device-1" }, `${name}: jose accepts it`);
        continue;
      }
      assert.deepEqual(ours, expected, name);
      assert.deepEqual(await reference(authorization), expected, `${name} (jose)`);
    }
  } finally {
    attester.close();
  }
});
