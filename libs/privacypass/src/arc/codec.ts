/**
 * ARC encodings as data plus pure functions on libs/wire's reader and writer
 * (draft-ietf-privacypass-arc-crypto, the structs of Sections "Key Generation", "Credential
 * Request", "Credential Response", "Presentation Construction"; Ne = 33, Ns = 32):
 *
 *   ServerPublicKey     X0 || X1 || X2                                   3*Ne      = 99
 *   CredentialRequest   m1Enc || m2Enc || proof[5*Ns]                    2*Ne+5*Ns = 226
 *   CredentialResponse  U || encUPrime || X0Aux || X1Aux || X2Aux || HAux || proof[8*Ns]
 *                                                                        6*Ne+8*Ns = 454
 *   Presentation        U || UPrimeCommit || m1Commit || tag || nonceCommit
 *                       || D[k] || challenge || responses[5+3k]          5*Ne + k*Ne + (6+3k)*Ns
 *
 * and two encodings this library defines for storage (not on any wire of the drafts):
 *
 *   ServerPrivateKey    x0 || x1 || x2 || x0Blinding                     4*Ns      = 128
 *   Credential          m1 || U || UPrime || X1                          Ns+3*Ne   = 131
 *
 * A Presentation's length depends on k = ceil(log2(presentationLimit)), so decoding it takes the
 * limit. Decoders copy nothing they keep as bytes, check every element (on the curve, not the
 * identity) and every scalar (below the order), and read the whole input: truncation and
 * trailing bytes are `malformed`.
 */
import { ByteWriter, type ByteReader } from "@oblivious/wire";
import type { Credential } from "./credential.js";
import { decodeWhole } from "../decode.js";
import { PrivacyPassError, PrivacyPassErrorCode } from "../errors.js";
import { NE, NS, deserializeElement, deserializeScalar, serializeElement, serializeScalar, type ArcElement } from "./group.js";
import type { ServerPrivateKey, ServerPublicKey } from "./keys.js";
import type { Presentation } from "./presentation.js";
import { rangeBits } from "./range-proof.js";
import type { CredentialRequest } from "./request.js";
import type { CredentialResponse } from "./response.js";

export const SERVER_PUBLIC_KEY_LENGTH = 3 * NE;
export const SERVER_PRIVATE_KEY_LENGTH = 4 * NS;
export const CREDENTIAL_REQUEST_LENGTH = 2 * NE + 5 * NS;
export const CREDENTIAL_RESPONSE_LENGTH = 6 * NE + 8 * NS;
export const CREDENTIAL_LENGTH = NS + 3 * NE;

/** Npresentation for a limit: 5*Ne + k*Ne + (6 + 3k)*Ns. */
export function presentationLength(presentationLimit: number): number {
  const k = rangeBits(presentationLimit);
  return 5 * NE + k * NE + (6 + 3 * k) * NS;
}


const element = (reader: ByteReader): ArcElement => deserializeElement(reader.bytes(NE));
const scalar = (reader: ByteReader): bigint => deserializeScalar(reader.bytes(NS));
const copy = (reader: ByteReader, n: number): Uint8Array => new Uint8Array(reader.bytes(n));

function write(length: number, parts: readonly (ArcElement | Uint8Array | bigint)[]): Uint8Array {
  const writer = new ByteWriter(length);
  for (const part of parts) {
    if (typeof part === "bigint") writer.bytes(serializeScalar(part));
    else if (part instanceof Uint8Array) writer.bytes(part);
    else writer.bytes(serializeElement(part));
  }
  const out = writer.finish();
  if (out.length !== length) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "length");
  return out;
}

export function encodeServerPublicKey(key: ServerPublicKey): Uint8Array {
  return write(SERVER_PUBLIC_KEY_LENGTH, [key.X0, key.X1, key.X2]);
}

export function decodeServerPublicKey(bytes: Uint8Array): ServerPublicKey {
  return decodeWhole("ServerPublicKey", bytes, (r) => ({ X0: element(r), X1: element(r), X2: element(r) }));
}

export function encodeServerPrivateKey(key: ServerPrivateKey): Uint8Array {
  return write(SERVER_PRIVATE_KEY_LENGTH, [key.x0, key.x1, key.x2, key.x0Blinding]);
}

/** Each scalar in [1, p). */
export function decodeServerPrivateKey(bytes: Uint8Array): ServerPrivateKey {
  return decodeWhole("ServerPrivateKey", bytes, (r) => ({ x0: scalar(r), x1: scalar(r), x2: scalar(r), x0Blinding: scalar(r) }));
}

export function encodeCredentialRequest(request: CredentialRequest): Uint8Array {
  if (request.proof.length !== 5 * NS) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "request proof length");
  return write(CREDENTIAL_REQUEST_LENGTH, [request.m1Enc, request.m2Enc, request.proof]);
}

/** The proof stays bytes: its scalars are checked when it is verified. */
export function decodeCredentialRequest(bytes: Uint8Array): CredentialRequest {
  return decodeWhole("CredentialRequest", bytes, (r) => ({ m1Enc: element(r), m2Enc: element(r), proof: copy(r, 5 * NS) }));
}

export function encodeCredentialResponse(response: CredentialResponse): Uint8Array {
  if (response.proof.length !== 8 * NS) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "response proof length");
  const { U, encUPrime, X0Aux, X1Aux, X2Aux, HAux, proof } = response;
  return write(CREDENTIAL_RESPONSE_LENGTH, [U, encUPrime, X0Aux, X1Aux, X2Aux, HAux, proof]);
}

export function decodeCredentialResponse(bytes: Uint8Array): CredentialResponse {
  return decodeWhole("CredentialResponse", bytes, (r) => ({
    U: element(r),
    encUPrime: element(r),
    X0Aux: element(r),
    X1Aux: element(r),
    X2Aux: element(r),
    HAux: element(r),
    proof: copy(r, 8 * NS),
  }));
}

export function encodePresentation(presentation: Presentation, presentationLimit: number): Uint8Array {
  const k = rangeBits(presentationLimit);
  if (presentation.D.length !== k || presentation.proof.length !== (6 + 3 * k) * NS) {
    throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "presentation does not match presentationLimit");
  }
  const { U, UPrimeCommit, m1Commit, tag, nonceCommit, D, proof } = presentation;
  return write(presentationLength(presentationLimit), [U, UPrimeCommit, m1Commit, tag, nonceCommit, ...D, proof]);
}

export function decodePresentation(bytes: Uint8Array, presentationLimit: number): Presentation {
  const k = rangeBits(presentationLimit);
  return decodeWhole("Presentation", bytes, (r) => {
    const [U, UPrimeCommit, m1Commit, tag, nonceCommit] = [element(r), element(r), element(r), element(r), element(r)];
    const D = Array.from({ length: k }, () => element(r));
    return { U, UPrimeCommit, m1Commit, tag, nonceCommit, D, proof: copy(r, (6 + 3 * k) * NS) };
  });
}

export function encodeCredential(credential: Credential): Uint8Array {
  return write(CREDENTIAL_LENGTH, [credential.m1, credential.U, credential.UPrime, credential.X1]);
}

export function decodeCredential(bytes: Uint8Array): Credential {
  return decodeWhole("Credential", bytes, (r) => ({ m1: scalar(r), U: element(r), UPrime: element(r), X1: element(r) }));
}
