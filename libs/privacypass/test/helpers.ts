import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { fromHex, toHex } from "@oblivious/wire";
import { PrivacyPassError } from "../src/errors.js";
import type { PrivacyPassErrorCode } from "../src/errors.js";
import { inverseMod } from "../src/blind-rsa.js";
import { DerTag, writeSequence, writeTlv } from "../src/der.js";

export { fromHex, toHex };

/** Reads a vector file from test/vectors (tests run from dist/test). */
export function readVectors(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../test/vectors/${name}`, import.meta.url), "utf8"));
}

/** A string field at a path of a parsed vector file. */
export function field(record: unknown, ...path: (string | number)[]): string {
  let value: unknown = record;
  for (const key of path) {
    assert.ok(typeof value === "object" && value !== null, `vector path ${path.join(".")}`);
    value = (value as Record<string | number, unknown>)[key];
  }
  assert.ok(typeof value === "string", `vector path ${path.join(".")}`);
  return value;
}

/** The array at a path of a parsed vector file. */
export function list(record: unknown, ...path: string[]): unknown[] {
  let value: unknown = record;
  for (const key of path) {
    assert.ok(typeof value === "object" && value !== null);
    value = (value as Record<string, unknown>)[key];
  }
  assert.ok(Array.isArray(value));
  return value;
}

/** An assert.throws matcher for a PrivacyPassError with the given code. */
export function ppError(code: PrivacyPassErrorCode): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof PrivacyPassError, `not a PrivacyPassError: ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

/** Runs `fn`; passes if it returns or throws a PrivacyPassError, fails on anything else. */
export function valueOrPpError(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof PrivacyPassError, `not a PrivacyPassError: ${String(error)}`);
  }
}

/** `bytes` placed at a non-zero offset of a larger buffer with junk around it. */
export function atOffset(bytes: Uint8Array, offset = 7): Uint8Array {
  const big = new Uint8Array(offset + bytes.length + 5).fill(0xa5);
  big.set(bytes, offset);
  return big.subarray(offset, offset + bytes.length);
}

/** Every strict prefix of `bytes`. */
export function* prefixes(bytes: Uint8Array): Generator<[number, Uint8Array]> {
  for (let cut = 0; cut < bytes.length; cut++) yield [cut, bytes.subarray(0, cut)];
}

/** A fresh plain copy (own ArrayBuffer at offset 0), for libraries that read `.buffer` whole. */
export function own(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

const b64 = (x: bigint): string => {
  const h = x.toString(16);
  return Buffer.from(h.length % 2 === 0 ? h : `0${h}`, "hex").toString("base64url");
};

/** A private KeyObject from the RFC 9474 vector fields p, q, n, e, d (hex). */
export function rsaKeyFromVector(v: unknown): KeyObject {
  const big = (name: string): bigint => BigInt(`0x${field(v, name)}`);
  const [p, q, n, e, d] = [big("p"), big("q"), big("n"), big("e"), big("d")];
  const qi = inverseMod(q, p);
  assert.ok(qi !== undefined);
  return createPrivateKey({
    key: { kty: "RSA", n: b64(n), e: b64(e), d: b64(d), p: b64(p), q: b64(q), dp: b64(d % (p - 1n)), dq: b64(d % (q - 1n)), qi: b64(qi) },
    format: "jwk",
  });
}

/** The RFC 9578 Appendix A.2 issuer key (the same key in all five vectors). */
export function rfc9578Key(): { privateKey: KeyObject; publicKey: KeyObject; pkS: Uint8Array } {
  const vectors = list(readVectors("rfc9578-type2.json"), "vectors");
  const privateKey = createPrivateKey(Buffer.from(field(vectors[0], "skS"), "hex").toString("latin1"));
  return { privateKey, publicKey: createPublicKey(privateKey), pkS: fromHex(field(vectors[0], "pkS")) };
}

let cachedKey: { privateKey: KeyObject; publicKey: KeyObject } | undefined;
/** One fresh RSA-2048 key pair per test process. */
export function freshKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  cachedKey ??= generateKeyPairSync("rsa", { modulusLength: 2048 });
  return cachedKey;
}

/** RFC 9578 A.2's AlgorithmIdentifier: id-RSASSA-PSS with SHA-384, MGF1-SHA-384, salt 48. */
export const RSASSA_PSS_SHA384 = fromHex(
  "303d06092a864886f70d01010a3030a00d300b0609608648016503040202a11a301806092a864886f70d010108300b0609608648016503040202a203020130",
);

/** The same RSA private key as an "rsa-pss" KeyObject (PKCS#8 with the RSASSA-PSS algorithm). */
export function asPssPrivateKey(rsa: KeyObject): KeyObject {
  const pkcs1 = new Uint8Array(rsa.export({ format: "der", type: "pkcs1" }));
  const der = writeSequence(writeTlv(DerTag.Integer, Uint8Array.of(0)), RSASSA_PSS_SHA384, writeTlv(DerTag.OctetString, pkcs1));
  return createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" });
}
