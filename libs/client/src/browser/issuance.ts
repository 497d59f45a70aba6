/**
 * Privacy Pass issuance for token type 0x0002 on web APIs: TokenChallenge checks (RFC 9577
 * Section 2.1), the client's Blind and Finalize (RFC 9578 Sections 6.1, 6.3; RFC 9474 Sections
 * 4.2, 4.4) through @cloudflare/blindrsa-ts, and the generic batch framing
 * (draft-ietf-privacypass-batched-tokens-08 Section 6):
 *
 *   token_input = concat(0x0002, nonce, SHA256(challenge), token_key_id)
 *   GenericBatchTokenRequest  = <V> of (token_type(2), truncated_token_key_id(1), blinded_msg(Nk))
 *   GenericBatchTokenResponse = <V> of (presence(1) [, token_type(2), blind_sig(Nk)])
 *   Token = token_type(2) || nonce(32) || challenge_digest(32) || token_key_id(32) || authenticator(Nk)
 */
import { RSABSSA } from "@cloudflare/blindrsa-ts";
import { ByteReader, ByteWriter } from "@oblivious/wire";
import type { PendingBatch } from "../backend.js";

export class IssuanceError extends Error {
  override readonly name = "IssuanceError";
}

const TOKEN_TYPE = 0x0002;
const NK = 256;
const NONCE_LENGTH = 32;
/** id-RSASSA-PSS (1.2.840.113549.1.1.10) and rsaEncryption (1.2.840.113549.1.1.1), DER OBJECT IDENTIFIER. */
const RSASSA_PSS_OID = Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a);
const RSA_ENCRYPTION_ALGORITHM = Uint8Array.of(0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00);

function exact(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", exact(bytes)));
}

/** Reads one DER TLV (definite length) and returns its tag and contents. */
function readTlv(r: ByteReader): { readonly tag: number; readonly value: Uint8Array } {
  const tag = r.uint8();
  let length = r.uint8();
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 3) throw new IssuanceError("DER length");
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + r.uint8();
  }
  return { tag, value: r.bytes(length) };
}

function derLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  if (length < 0x100) return Uint8Array.of(0x81, length);
  return Uint8Array.of(0x82, length >> 8, length & 0xff);
}

/**
 * WebCrypto imports RSA keys only under rsaEncryption; RFC 9578 Section 6.5 publishes them under
 * id-RSASSA-PSS. Same key, re-wrapped: SEQUENCE { rsaEncryption, NULL } and the same BIT STRING.
 */
function rsaEncryptionSpki(spki: Uint8Array): Uint8Array {
  try {
    const outer = new ByteReader(spki);
    const seq = readTlv(outer);
    outer.end();
    if (seq.tag !== 0x30) throw new IssuanceError("SubjectPublicKeyInfo");
    const inner = new ByteReader(seq.value);
    const algorithm = readTlv(inner);
    const bitString = readTlv(inner);
    inner.end();
    const oid = new ByteReader(algorithm.value).bytes(RSASSA_PSS_OID.length);
    if (algorithm.tag !== 0x30 || bitString.tag !== 0x03 || !oid.every((b, i) => b === RSASSA_PSS_OID[i])) throw new IssuanceError("not an RSASSA-PSS key");
    const bits = new ByteWriter(bitString.value.length + 4).uint8(0x03).bytes(derLength(bitString.value.length)).bytes(bitString.value).finish();
    const body = new ByteWriter(bits.length + 16).bytes(RSA_ENCRYPTION_ALGORITHM).bytes(bits).finish();
    return new ByteWriter(body.length + 4).uint8(0x30).bytes(derLength(body.length)).bytes(body).finish();
  } catch (error) {
    if (error instanceof IssuanceError) throw error;
    throw new IssuanceError("malformed token key", { cause: error });
  }
}

/** RFC 9577 Section 2.1: type 0x0002, and for `originName` when origin_info names origins. */
function checkChallenge(challenge: Uint8Array, originName: string): void {
  try {
    const r = new ByteReader(challenge);
    if (r.uint16() !== TOKEN_TYPE) throw new IssuanceError("token type");
    if (r.uint16Prefixed().length === 0) throw new IssuanceError("issuer name");
    const context = r.bytes(r.uint8());
    if (context.length !== 0 && context.length !== 32) throw new IssuanceError("redemption context");
    const originInfo = new TextDecoder().decode(r.uint16Prefixed());
    r.end();
    const names = originInfo === "" ? [] : originInfo.split(",");
    if (names.length > 0 && !names.some((n) => n.toLowerCase() === originName.toLowerCase())) throw new IssuanceError("challenge for another origin");
  } catch (error) {
    if (error instanceof IssuanceError) throw error;
    throw new IssuanceError("malformed challenge", { cause: error });
  }
}

export async function beginBrowserBatch(challenge: Uint8Array, tokenKey: Uint8Array, originName: string, count: number): Promise<PendingBatch> {
  checkChallenge(challenge, originName);
  const publicKey = await crypto.subtle.importKey("spki", exact(rsaEncryptionSpki(tokenKey)), { name: "RSA-PSS", hash: "SHA-384" }, true, ["verify"]);
  const algorithm = publicKey.algorithm;
  if (!("modulusLength" in algorithm) || algorithm.modulusLength !== NK * 8) throw new IssuanceError("token key size");
  const suite = RSABSSA.SHA384.PSS.Deterministic();
  const challengeDigest = await sha256(challenge);
  const tokenKeyId = await sha256(tokenKey);
  const truncatedKeyId = tokenKeyId[tokenKeyId.length - 1] ?? 0;
  const entries = await Promise.all(
    Array.from({ length: count }, async () => {
      const nonce = crypto.getRandomValues(new Uint8Array(NONCE_LENGTH));
      const tokenInput = new ByteWriter(2 + NONCE_LENGTH + 64).uint16(TOKEN_TYPE).bytes(nonce).bytes(challengeDigest).bytes(tokenKeyId).finish();
      const { blindedMsg, inv } = await suite.blind(publicKey, tokenInput);
      return { tokenInput, blindedMsg, inv };
    }),
  );
  const list = new ByteWriter(count * (3 + NK));
  for (const e of entries) list.uint16(TOKEN_TYPE).uint8(truncatedKeyId).bytes(e.blindedMsg);
  let used = false;
  return {
    body: new ByteWriter(count * (3 + NK) + 8).varintPrefixed(list.finish()).finish(),
    async finalize(responseBody: Uint8Array): Promise<Uint8Array[]> {
      if (used) throw new IssuanceError("finalize may be called once");
      used = true;
      const outer = new ByteReader(responseBody);
      const r = new ByteReader(outer.varintPrefixed());
      outer.end();
      const tokens: Uint8Array[] = [];
      for (const entry of entries) {
        const present = r.uint8();
        if (present === 0) continue;
        if (present !== 1 || r.uint16() !== TOKEN_TYPE) throw new IssuanceError("batch response entry");
        // Finalize verifies RSASSA-PSS: an issuer cannot hand out a token an origin would refuse.
        const authenticator = await suite.finalize(publicKey, entry.tokenInput, r.bytes(NK), entry.inv);
        tokens.push(new ByteWriter(entry.tokenInput.length + NK).bytes(entry.tokenInput).bytes(authenticator).finish());
      }
      r.end();
      return tokens;
    },
  };
}
