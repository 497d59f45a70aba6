import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { concat } from "@oblivious/wire";
import { AeadId, GatewayKey, KdfId, OhttpError, OhttpErrorCode, SUPPORTED_SYMMETRIC_ALGORITHMS, decapsulateRequest, encapsulateRequest } from "../src/index.js";
import { catchOhttp } from "./helpers.js";

const key = GatewayKey.generate(0x2a, SUPPORTED_SYMMETRIC_ALGORITHMS);
const lookup = (keyId: number): GatewayKey | undefined => (keyId === key.keyId ? key : undefined);
const aeadIds = fc.constantFrom(AeadId.Aes128Gcm, AeadId.Aes256Gcm, AeadId.ChaCha20Poly1305);

function expectOhttpError(fn: () => unknown, allowed: readonly OhttpErrorCode[]): void {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof OhttpError, `not an OhttpError: ${String(error)}`);
    assert.ok(allowed.includes(error.code), `unexpected code ${error.code}`);
  }
}

test("random bytes into decapsulateRequest: a value or an OhttpError, never anything else", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      expectOhttpError(() => decapsulateRequest(lookup, bytes), [OhttpErrorCode.Malformed, OhttpErrorCode.DecryptFailed]);
    }),
    { numRuns: 1000 },
  );
  // With this key's own header, random bytes get as far as the KEM and the AEAD.
  fc.assert(
    fc.property(aeadIds, fc.uint8Array({ minLength: 48, maxLength: 120 }), (aeadId, rest) => {
      const bytes = concat(Uint8Array.of(0x2a, 0x00, 0x20, 0x00, 0x01, 0x00, aeadId), rest);
      const error = catchOhttp(() => decapsulateRequest(lookup, bytes));
      assert.equal(error.code, OhttpErrorCode.DecryptFailed);
    }),
    { numRuns: 300 },
  );
});

test("random bytes into decapsulateResponse: an OhttpError, never anything else", () => {
  fc.assert(
    fc.property(aeadIds, fc.uint8Array({ maxLength: 100 }), (aeadId, bytes) => {
      const { context } = encapsulateRequest(key.config, new Uint8Array(0), { suite: { kdfId: KdfId.HkdfSha256, aeadId } });
      expectOhttpError(() => context.decapsulateResponse(bytes), [OhttpErrorCode.Malformed, OhttpErrorCode.DecryptFailed]);
    }),
    { numRuns: 300 },
  );
});

test("flipping any one bit of a valid request or response fails with the uniform error", () => {
  fc.assert(
    fc.property(aeadIds, fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), fc.nat(), fc.nat(), (aeadId, request, response, requestBit, responseBit) => {
      const suite = { kdfId: KdfId.HkdfSha256, aeadId };
      const { encapsulatedRequest, context: client } = encapsulateRequest(key.config, request, { suite });
      const flipped = Uint8Array.from(encapsulatedRequest);
      const bit = requestBit % (flipped.length * 8);
      flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
      const requestError = catchOhttp(() => decapsulateRequest(lookup, flipped));
      assert.equal(requestError.code, OhttpErrorCode.DecryptFailed);

      const { context: server } = decapsulateRequest(lookup, encapsulatedRequest);
      const encapsulatedResponse = Uint8Array.from(server.encapsulateResponse(response));
      const rbit = responseBit % (encapsulatedResponse.length * 8);
      encapsulatedResponse[rbit >> 3] = (encapsulatedResponse[rbit >> 3] as number) ^ (1 << (rbit & 7));
      const responseError = catchOhttp(() => client.decapsulateResponse(encapsulatedResponse));
      assert.equal(responseError.code, OhttpErrorCode.DecryptFailed);
      assert.equal(responseError.message, requestError.message);
    }),
    { numRuns: 300 },
  );
});

test("an unknown key id and a corrupted ciphertext give the same code and message", () => {
  fc.assert(
    fc.property(aeadIds, fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 255 }).filter((id) => id !== 0x2a), fc.nat(), (aeadId, request, otherKeyId, at) => {
      const { encapsulatedRequest } = encapsulateRequest(key.config, request, { suite: { kdfId: KdfId.HkdfSha256, aeadId } });
      const unknownKey = Uint8Array.from(encapsulatedRequest);
      unknownKey[0] = otherKeyId;
      const corrupted = Uint8Array.from(encapsulatedRequest);
      const index = 39 + (at % (corrupted.length - 39));
      corrupted[index] = (corrupted[index] as number) ^ 0xff;
      const a = catchOhttp(() => decapsulateRequest(lookup, unknownKey));
      const b = catchOhttp(() => decapsulateRequest(lookup, corrupted));
      assert.equal(a.code, OhttpErrorCode.DecryptFailed);
      assert.equal(a.code, b.code);
      assert.equal(a.message, b.message);
      assert.equal(a.name, b.name);
    }),
    { numRuns: 200 },
  );
});

test("round trips for any request and response, with every suite", () => {
  fc.assert(
    fc.property(aeadIds, fc.uint8Array({ maxLength: 2048 }), fc.uint8Array({ maxLength: 2048 }), (aeadId, request, response) => {
      const { encapsulatedRequest, context: client } = encapsulateRequest(key.config, request, { suite: { kdfId: KdfId.HkdfSha256, aeadId } });
      const decapsulated = decapsulateRequest(lookup, encapsulatedRequest);
      assert.deepEqual(decapsulated.request, request);
      assert.deepEqual(client.decapsulateResponse(decapsulated.context.encapsulateResponse(response)), response);
    }),
    { numRuns: 200 },
  );
});
