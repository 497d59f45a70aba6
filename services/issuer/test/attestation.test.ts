/**
 * Attestation: device credentials checked with jose against a JWKS (file or URL). Every way a
 * credential can be wrong is refused with 401; a JWKS URL that cannot be reached is a 503 (fail
 * closed), never an acceptance.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, createSecretKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { SignJWT, exportJWK, type JWK } from "jose";
import { MediaType } from "@oblivious/privacypass";
import { ConfigError } from "@oblivious/service-kit";
import { CredentialFailure, createAttester, type Attester } from "../src/attestation.js";
import { parseJwks } from "../src/jwks.js";
import { loadIssuerConfig, type AttesterConfig } from "../src/config.js";
import { DEV_ATTESTER_PRIVATE_FILE } from "../src/dev-attester.js";
import { PROBLEMS } from "../src/errors.js";
import { startIssuer } from "../src/server.js";
import { T0, bearer, clientKey, fetchDirectory, fixture, issueOne, post, problemOf, startTestIssuer, tempDir, writeJson } from "./helpers.js";

const ISS = "https://accounts.example";
const AUD = "issuer.internal";

interface Signer {
  readonly alg: "ES256" | "EdDSA";
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly jwk: JWK;
}

async function signer(alg: "ES256" | "EdDSA", kid: string): Promise<Signer> {
  const { privateKey, publicKey } = alg === "ES256" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("ed25519");
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

interface Claims {
  sub?: string;
  iss?: string;
  aud?: string;
  exp?: number;
  nbf?: number;
}

async function mint(s: Signer, claims: Claims = {}, now = T0): Promise<string> {
  const iat = Math.floor(now / 1000);
  const full = { sub: "device-1", iss: ISS, aud: AUD, exp: iat + 600, ...claims };
  const jwt = new SignJWT({}).setProtectedHeader({ alg: s.alg, kid: s.kid, typ: "JWT" }).setIssuedAt(iat);
  if (full.sub !== "") jwt.setSubject(full.sub);
  jwt.setIssuer(full.iss).setAudience(full.aud);
  if (full.exp !== 0) jwt.setExpirationTime(full.exp);
  if (full.nbf !== undefined) jwt.setNotBefore(full.nbf);
  return jwt.sign(s.privateKey);
}

/** The development attester's own key, read from its DEVELOPMENT-ONLY file. */
function devSigner(dir: string): Signer {
  const file = JSON.parse(readFileSync(join(dir, DEV_ATTESTER_PRIVATE_FILE), "utf8")) as { jwk: JWK & { kid: string; x: string; d: string } };
  const privateKey = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", x: file.jwk.x, d: file.jwk.d }, format: "jwk" });
  return { alg: "EdDSA", kid: file.jwk.kid, privateKey, jwk: {} };
}

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function config(jwks: AttesterConfig["jwks"]): AttesterConfig {
  return { jwks, issuer: ISS, audience: AUD, algorithms: ["ES256", "EdDSA"], clockToleranceS: 30, jwksReloadMs: 0 };
}

async function fileAttester(signers: readonly Signer[]): Promise<{ attester: Attester; path: string }> {
  const path = join(tempDir(), "jwks.json");
  writeJson(path, { keys: signers.map((s) => s.jwk) });
  return { attester: await createAttester({ config: config({ kind: "file", path }), now: () => T0 }), path };
}

test("attestation: ES256 and EdDSA credentials from the JWKS are accepted; the device id is sub", async () => {
  const es = await signer("ES256", "es-1");
  const ed = await signer("EdDSA", "ed-1");
  const { attester } = await fileAttester([es, ed]);
  try {
    assert.deepEqual(await attester.verify(`Bearer ${await mint(es, { sub: "device-es" })}`), { ok: true, deviceId: "device-es" });
    assert.deepEqual(await attester.verify(`bearer ${await mint(ed, { sub: "device-ed" })}`), { ok: true, deviceId: "device-ed" });
  } finally {
    attester.close();
  }
});

test("attestation: every bad credential is refused with its reason", async () => {
  const es = await signer("ES256", "es-1");
  const stranger = await signer("ES256", "not-in-jwks");
  const sameKidOtherKey = { ...(await signer("ES256", "es-1")) };
  const { attester } = await fileAttester([es]);
  const now = Math.floor(T0 / 1000);
  const good = await mint(es);
  const [h, p, sig] = good.split(".") as [string, string, string];
  const flipped = `${sig.slice(0, 10)}${sig[10] === "A" ? "B" : "A"}${sig.slice(11)}`;
  const cases: [string, string | undefined, string][] = [
    ["missing", undefined, CredentialFailure.Missing],
    ["empty", "", CredentialFailure.Missing],
    ["another scheme", `Basic ${Buffer.from("a:b").toString("base64")}`, CredentialFailure.Missing],
    ["not a JWT", "Bearer abc", CredentialFailure.Malformed],
    ["expired", `Bearer ${await mint(es, { exp: now - 120 })}`, CredentialFailure.Expired],
    ["no exp", `Bearer ${await mint(es, { exp: 0 })}`, CredentialFailure.InvalidClaims],
    ["not yet valid", `Bearer ${await mint(es, { nbf: now + 600, exp: now + 1200 })}`, CredentialFailure.NotYetValid],
    ["wrong audience", `Bearer ${await mint(es, { aud: "someone-else" })}`, CredentialFailure.WrongAudience],
    ["wrong issuer", `Bearer ${await mint(es, { iss: "https://evil.example" })}`, CredentialFailure.WrongIssuer],
    ["no sub", `Bearer ${await mint(es, { sub: "" })}`, CredentialFailure.InvalidClaims],
    ["bad signature", `Bearer ${h}.${p}.${flipped}`, CredentialFailure.BadSignature],
    ["payload swapped", `Bearer ${h}.${b64({ sub: "device-2", iss: ISS, aud: AUD, exp: now + 600 })}.${sig}`, CredentialFailure.BadSignature],
    ["signed by another key with the same kid", `Bearer ${await mint(sameKidOtherKey)}`, CredentialFailure.BadSignature],
    ["unknown kid", `Bearer ${await mint(stranger)}`, CredentialFailure.UnknownKey],
    ["alg none", `Bearer ${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "device-1", iss: ISS, aud: AUD, exp: now + 600 })}.`, CredentialFailure.AlgorithmNotAllowed],
    [
      "HS256 (with the public key as the HMAC secret)",
      `Bearer ${await new SignJWT({ sub: "device-1" })
        .setProtectedHeader({ alg: "HS256", kid: "es-1" })
        .setIssuer(ISS)
        .setAudience(AUD)
        .setExpirationTime(now + 600)
        .sign(createSecretKey(Buffer.from(JSON.stringify(es.jwk))))}`,
      CredentialFailure.AlgorithmNotAllowed,
    ],
    ["RS256 not on the allow-list", `Bearer ${b64({ alg: "RS256", kid: "es-1" })}.${p}.${sig}`, CredentialFailure.AlgorithmNotAllowed],
  ];
  try {
    for (const [name, header, reason] of cases) {
      assert.deepEqual(await attester.verify(header), { ok: false, failure: reason }, name);
    }
  } finally {
    attester.close();
  }
});

test("attestation: over HTTP, expired / wrong audience / wrong issuer / bad signature / none / HS256 / unknown kid / missing → 401", async () => {
  const t = await startTestIssuer(await fixture());
  try {
    const good = await t.credential("device-http");
    const [h, p] = good.split(".") as [string, string, string];
    const dev = devSigner(t.fx.dir);
    const other = await signer("EdDSA", "unknown");
    const now = Math.floor(T0 / 1000);
    const payload = { sub: "device-http", iss: t.fx.attester.issuer, aud: t.fx.attester.audience, exp: now + 600 };
    assert.equal((await post(t.url, MediaType.TokenRequest, new Uint8Array(259), bearer(await mint(dev, payload)))).status, 422, "the dev signer's own credential passes");
    const headers: Record<string, string | undefined> = {
      expired: `Bearer ${await t.credential("device-http", -120)}`,
      "wrong audience": `Bearer ${await mint(dev, { ...payload, aud: "nope" })}`,
      "wrong issuer": `Bearer ${await mint(dev, { ...payload, iss: "nope" })}`,
      "bad signature": `Bearer ${h}.${p}.${"A".repeat(86)}`,
      none: `Bearer ${b64({ alg: "none" })}.${b64(payload)}.`,
      HS256: `Bearer ${await new SignJWT(payload).setProtectedHeader({ alg: "HS256" }).sign(new Uint8Array(32))}`,
      "unknown kid": `Bearer ${await mint(other, payload)}`,
      missing: undefined,
    };
    for (const [name, authorization] of Object.entries(headers)) {
      const answer = await post(t.url, MediaType.TokenRequest, new Uint8Array(259), authorization === undefined ? {} : { authorization });
      assert.equal(answer.status, 401, name);
      assert.match(answer.headers.get("www-authenticate") ?? "", /^Bearer realm="issuer"/, name);
      assert.equal(problemOf(answer)["status"], 401);
    }
    assert.equal(t.logs.text.includes("device-http"), false);
  } finally {
    await t.stop();
  }
});

test("attestation: the JWKS file is re-read when it changes; a bad new file is refused and the old keys stay", async () => {
  const first = await signer("EdDSA", "first");
  const second = await signer("ES256", "second");
  const { attester, path } = await fileAttester([first]);
  try {
    const credential = `Bearer ${await mint(second)}`;
    assert.deepEqual(await attester.verify(credential), { ok: false, failure: CredentialFailure.UnknownKey });
    assert.equal(await attester.reload(), "unchanged");
    writeJson(path, { keys: [first.jwk, second.jwk] });
    assert.equal(await attester.reload(), "reloaded");
    assert.deepEqual(await attester.verify(credential), { ok: true, deviceId: "device-1" });
    writeJson(path, { keys: [{ ...second.jwk, d: "private" }] });
    assert.equal(await attester.reload(), "invalid");
    assert.deepEqual(await attester.verify(credential), { ok: true, deviceId: "device-1" }, "the last good JWKS stays");
  } finally {
    attester.close();
  }
});

test("attestation: a JWKS with private or symmetric keys, or no keys, is refused", () => {
  assert.throws(() => parseJwks("{"), TypeError);
  assert.throws(() => parseJwks('{"keys":[]}'), /holds no key/);
  assert.throws(() => parseJwks('{"keys":[{"kty":"OKP","crv":"Ed25519","x":"a","d":"b"}]}'), /private/);
  assert.throws(() => parseJwks('{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}'), /private or symmetric/);
  assert.throws(() => parseJwks('{"keys":[{"kty":"RSA","n":"a","e":"AQAB"}]}'), /neither EC nor OKP/);
});

test("attestation: the issuer refuses to start with an unusable JWKS file (ConfigError names the variable)", async () => {
  const fx = await fixture();
  const bad = join(fx.dir, "bad-jwks.json");
  writeJson(bad, { keys: [{ kty: "oct", k: "c2VjcmV0" }] });
  await assert.rejects(
    startIssuer(loadIssuerConfig({ ...fx.env, ATTESTER_JWKS_FILE: bad })),
    (e: unknown) => e instanceof ConfigError && e.variables.includes("ATTESTER_JWKS_FILE"),
  );
});

function serve(handler: (res: ServerResponse) => void): Promise<{ server: Server; url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits += 1;
    handler(res);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/jwks.json`, hits: () => hits })),
  );
}

test("attestation: ATTESTER_JWKS_URL — keys fetched with jose's remote JWKS and cached; issuance works end to end", async () => {
  const es = await signer("ES256", "remote-1");
  const remote = await serve((res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [es.jwk] }));
  });
  const fx = await fixture();
  const t = await startTestIssuer(fx, { ATTESTER_JWKS_FILE: "", ATTESTER_JWKS_URL: remote.url, ATTESTER_ISSUER: ISS, ATTESTER_AUDIENCE: AUD });
  try {
    const tokenKey = clientKey(await fetchDirectory(t.url), T0);
    for (const device of ["remote-a", "remote-b"]) {
      const { answer, token } = await issueOne(t.url, await mint(es, { sub: device }), tokenKey);
      assert.equal(answer.status, 200);
      assert.ok(token);
    }
    assert.equal(remote.hits(), 1, "cached");
    const unknown = await post(t.url, MediaType.TokenRequest, new Uint8Array(259), bearer(await mint(await signer("ES256", "nope"))));
    assert.equal(unknown.status, 401);
  } finally {
    await t.stop();
    remote.server.close();
  }
});

test("attestation: a JWKS URL that cannot be reached → 503, never a signature", async () => {
  const remote = await serve((res) => {
    res.writeHead(500);
    res.end();
  });
  const es = await signer("ES256", "remote-1");
  const t = await startTestIssuer(await fixture(), { ATTESTER_JWKS_FILE: "", ATTESTER_JWKS_URL: remote.url, ATTESTER_ISSUER: ISS, ATTESTER_AUDIENCE: AUD });
  try {
    const answer = await post(t.url, MediaType.TokenRequest, new Uint8Array(259), bearer(await mint(es)));
    assert.equal(answer.status, 503);
    assert.deepEqual(problemOf(answer), PROBLEMS.attestation_unavailable);
    assert.ok(answer.headers.get("retry-after"));
  } finally {
    await t.stop();
    remote.server.close();
  }
});
