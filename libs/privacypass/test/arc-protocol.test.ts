// ARC's protocol layer (draft-ietf-privacypass-arc-protocol): the 0xE5AC TokenChallenge with
// credential_context, issuer key ids, request and presentation contexts laid out by hand, the
// CredentialRequest/Response messages and the Token, with truncation, trailing bytes, bad
// lengths and random bytes; then one issuance and redemption end to end through the bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fc from "fast-check";
import {
  ARC_TOKEN_TYPE, arcChallengeDigest, arcIssuerKeyId, arcPresentationContext, arcRequestContext, arcTruncatedIssuerKeyId,
  decodeArcTokenChallenge, encodeArcTokenChallenge, type ArcTokenChallenge,
} from "../src/arc/protocol-challenge.js";
import {
  ArcMediaType, arcTokenLength, decodeArcCredentialRequestMessage, decodeArcCredentialResponseMessage, decodeArcToken,
  encodeArcCredentialRequestMessage, encodeArcCredentialResponseMessage, encodeArcToken,
} from "../src/arc/protocol-messages.js";
import { encodeServerPublicKey } from "../src/arc/codec.js";
import { PrivacyPassErrorCode } from "../src/errors.js";
import { generateServerKey } from "../src/arc/keys.js";
import { createCredentialRequest } from "../src/arc/request.js";
import { createCredentialResponse } from "../src/arc/response.js";
import { finalizeCredential } from "../src/arc/credential.js";
import { PresentationState } from "../src/arc/presentation.js";
import { verifyPresentation } from "../src/arc/verify-presentation.js";
import { issue, seeded } from "./arc-helpers.js";
import { fromHex, ppError, toHex, valueOrPpError } from "./helpers.js";

const ctx32 = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);
const challenge: ArcTokenChallenge = {
  issuerName: "issuer.internal",
  redemptionContext: ctx32(0x11),
  originInfo: ["search.internal", "stickers.internal"],
  credentialContext: ctx32(0x22),
};

test("TokenChallenge 0xE5AC: layout by hand, round trip, empty contexts", () => {
  const bytes = encodeArcTokenChallenge(challenge);
  const expected = "e5ac" + "000f" + toHex(new TextEncoder().encode("issuer.internal")) + "20" + "11".repeat(32)
    + "0021" + toHex(new TextEncoder().encode("search.internal,stickers.internal")) + "20" + "22".repeat(32);
  assert.equal(toHex(bytes), expected);
  assert.deepEqual(decodeArcTokenChallenge(bytes), challenge);
  const bare = { issuerName: "i", redemptionContext: new Uint8Array(0), originInfo: [], credentialContext: new Uint8Array(0) };
  assert.equal(toHex(encodeArcTokenChallenge(bare)), "e5ac" + "0001" + "69" + "00" + "0000" + "00");
  assert.deepEqual(decodeArcTokenChallenge(encodeArcTokenChallenge(bare)), bare);
  assert.equal(toHex(arcChallengeDigest(bytes)), createHash("sha256").update(bytes).digest("hex"));
});

test("TokenChallenge: other token types, context lengths other than 0 and 32, truncation, trailing bytes are malformed; bad fields are refused when encoding", () => {
  const bytes = encodeArcTokenChallenge(challenge);
  const type2 = new Uint8Array(bytes);
  type2[1] = 0x02;
  type2[0] = 0x00;
  assert.throws(() => decodeArcTokenChallenge(type2), ppError(PrivacyPassErrorCode.Malformed));
  // credential_context of 16 bytes (the length byte and the bytes).
  const short = fromHex(toHex(bytes.subarray(0, bytes.length - 33)) + "10" + "22".repeat(16));
  assert.throws(() => decodeArcTokenChallenge(short), ppError(PrivacyPassErrorCode.Malformed));
  for (let n = 0; n < bytes.length; n++) assert.throws(() => decodeArcTokenChallenge(bytes.subarray(0, n)), ppError(PrivacyPassErrorCode.Malformed), `truncated ${n}`);
  assert.throws(() => decodeArcTokenChallenge(new Uint8Array([...bytes, 0])), ppError(PrivacyPassErrorCode.Malformed));
  for (const bad of [
    { ...challenge, credentialContext: ctx32(1).subarray(0, 31) },
    { ...challenge, redemptionContext: new Uint8Array(33) },
    { ...challenge, issuerName: "" },
    { ...challenge, issuerName: "é" },
    { ...challenge, originInfo: ["a,b"] },
    { ...challenge, originInfo: [""] },
  ]) assert.throws(() => encodeArcTokenChallenge(bad), ppError(PrivacyPassErrorCode.InvalidArgument));
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (random) => valueOrPpError(() => decodeArcTokenChallenge(random))), { numRuns: 1000 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (random) => valueOrPpError(() => decodeArcTokenChallenge(new Uint8Array([0xe5, 0xac, ...random])))), { numRuns: 1000 });
});

test("issuer key id, truncated id, request and presentation contexts as the draft concatenates them", () => {
  const keys = generateServerKey(seeded("protocol keys"));
  const id = arcIssuerKeyId(keys.publicKey);
  assert.equal(toHex(id), createHash("sha256").update(encodeServerPublicKey(keys.publicKey)).digest("hex"));
  assert.equal(arcTruncatedIssuerKeyId(id), id[31]);
  const name = toHex(new TextEncoder().encode("issuer.internal"));
  const origins = toHex(new TextEncoder().encode("search.internal,stickers.internal"));
  assert.equal(toHex(arcRequestContext(challenge, id)), `000f${name}0021${origins}0020${"22".repeat(32)}${toHex(id)}`);
  assert.equal(toHex(arcPresentationContext(challenge, id)), `000f${name}0021${origins}0020${"11".repeat(32)}${toHex(id)}`);
  const bare = { ...challenge, originInfo: [], redemptionContext: new Uint8Array(0), credentialContext: new Uint8Array(0) };
  assert.equal(toHex(arcPresentationContext(bare, id)), `000f${name}00000000${toHex(id)}`);
  assert.throws(() => arcRequestContext(challenge, id.subarray(1)), ppError(PrivacyPassErrorCode.InvalidArgument));
});

test("CredentialRequest/Response messages and Token: lengths, round trips, wrong type, truncation at every offset, trailing bytes, random bytes", () => {
  const fx = issue("protocol messages");
  const request = encodeArcCredentialRequestMessage({ truncatedIssuerKeyId: 0x7f, request: fx.pending.request });
  assert.equal(request.length, 229);
  assert.equal(toHex(request.subarray(0, 3)), "e5ac7f");
  assert.equal(decodeArcCredentialRequestMessage(request).truncatedIssuerKeyId, 0x7f);
  const response = encodeArcCredentialResponseMessage(fx.response);
  assert.equal(response.length, 454);
  const limit = 100;
  const presentation = new PresentationState(fx.credential, new Uint8Array(3), limit).present(seeded("token")).presentation;
  const token = encodeArcToken({ presentationNonce: 0, challengeDigest: ctx32(9), issuerKeyId: ctx32(8), presentation }, limit);
  assert.equal(token.length, arcTokenLength(limit));
  assert.equal(token.length, 2 + 4 + 32 + 32 + 1260);
  assert.equal(toHex(token.subarray(0, 6)), "e5ac00000000");
  const cases: [string, Uint8Array, (b: Uint8Array) => unknown][] = [
    ["request", request, decodeArcCredentialRequestMessage],
    ["response", response, decodeArcCredentialResponseMessage],
    ["token", token, (b) => decodeArcToken(b, limit)],
  ];
  for (const [name, bytes, decode] of cases) {
    assert.doesNotThrow(() => decode(bytes), name);
    for (let n = 0; n < bytes.length; n++) assert.throws(() => decode(bytes.subarray(0, n)), ppError(PrivacyPassErrorCode.Malformed), `${name} truncated ${n}`);
    assert.throws(() => decode(new Uint8Array([...bytes, 1])), ppError(PrivacyPassErrorCode.Malformed), `${name} trailing`);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1500 }), (random) => valueOrPpError(() => decode(random))), { numRuns: 200 });
    fc.assert(fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (i, mask) => {
      const damaged = new Uint8Array(bytes);
      damaged[i] = (damaged[i] as number) ^ mask;
      valueOrPpError(() => decode(damaged));
    }), { numRuns: 200 });
  }
  for (const [name, bytes, decode] of cases.filter(([n]) => n !== "response")) {
    const other = new Uint8Array(bytes);
    other[0] = 0x00;
    other[1] = 0x02;
    assert.throws(() => decode(other), ppError(PrivacyPassErrorCode.Malformed), `${name} type 2`);
  }
  assert.throws(() => decodeArcToken(token, 2), ppError(PrivacyPassErrorCode.Malformed), "another limit, another length");
  assert.throws(() => encodeArcToken({ presentationNonce: 2 ** 32, challengeDigest: ctx32(9), issuerKeyId: ctx32(8), presentation }, limit), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.throws(() => encodeArcCredentialRequestMessage({ truncatedIssuerKeyId: 256, request: fx.pending.request }), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.equal(ArcMediaType.CredentialRequest, "application/private-credential-request");
  assert.equal(ArcMediaType.CredentialResponse, "application/private-credential-response");
  assert.equal(ARC_TOKEN_TYPE, 0xe5ac);
});

test("end to end through the bytes: challenge -> credential request -> response -> token -> verification; another redemption or credential context fails", () => {
  const rng = seeded("end to end");
  const issuerKeys = generateServerKey(rng);
  const limit = 3;
  const challengeBytes = encodeArcTokenChallenge(challenge);

  // Client: request bound to the challenge's credential_context and the issuer key.
  const seen = decodeArcTokenChallenge(challengeBytes);
  const keyId = arcIssuerKeyId(issuerKeys.publicKey);
  const pending = createCredentialRequest(arcRequestContext(seen, keyId), rng);
  const requestBody = encodeArcCredentialRequestMessage({ truncatedIssuerKeyId: arcTruncatedIssuerKeyId(keyId), request: pending.request });

  // Issuer.
  const received = decodeArcCredentialRequestMessage(requestBody);
  assert.equal(received.truncatedIssuerKeyId, keyId[31]);
  const responseBody = encodeArcCredentialResponseMessage(createCredentialResponse(issuerKeys.privateKey, issuerKeys.publicKey, received.request, rng));

  // Client: credential, then a token for the challenge.
  const credential = finalizeCredential(pending.secrets, issuerKeys.publicKey, pending.request, decodeArcCredentialResponseMessage(responseBody));
  const state = new PresentationState(credential, arcPresentationContext(seen, keyId), limit);
  const { nonce, presentation } = state.present(rng);
  const tokenBytes = encodeArcToken({ presentationNonce: nonce, challengeDigest: arcChallengeDigest(challengeBytes), issuerKeyId: keyId, presentation }, limit);

  // Origin: the digest and key id are the origin's to compare; then VerifyPresentation with both contexts.
  const token = decodeArcToken(tokenBytes, limit);
  assert.equal(toHex(token.challengeDigest), toHex(arcChallengeDigest(challengeBytes)));
  assert.equal(toHex(token.issuerKeyId), toHex(keyId));
  const tag = verifyPresentation(issuerKeys.privateKey, issuerKeys.publicKey, arcRequestContext(challenge, keyId), arcPresentationContext(challenge, keyId), token.presentation, limit);
  assert.equal(tag.length, 33);

  const nextPeriod = { ...challenge, credentialContext: ctx32(0x23) };
  assert.throws(() => verifyPresentation(issuerKeys.privateKey, issuerKeys.publicKey, arcRequestContext(nextPeriod, keyId), arcPresentationContext(nextPeriod, keyId), token.presentation, limit), ppError(PrivacyPassErrorCode.VerifyFailed));
  const otherRedemption = { ...challenge, redemptionContext: ctx32(0x12) };
  assert.throws(() => verifyPresentation(issuerKeys.privateKey, issuerKeys.publicKey, arcRequestContext(otherRedemption, keyId), arcPresentationContext(otherRedemption, keyId), token.presentation, limit), ppError(PrivacyPassErrorCode.VerifyFailed));
  const otherOrigin = { ...challenge, originInfo: ["search.internal"] };
  assert.throws(() => verifyPresentation(issuerKeys.privateKey, issuerKeys.publicKey, arcRequestContext(otherOrigin, keyId), arcPresentationContext(otherOrigin, keyId), token.presentation, limit), ppError(PrivacyPassErrorCode.VerifyFailed));
});
