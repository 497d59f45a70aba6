/**
 * What the client needs from the protocol libraries, as one small interface: the client logic
 * is written against it, `protocolBackend()` implements it on `@oblivious/ohttp`,
 * `@oblivious/bhttp` and `@oblivious/privacypass` (on every platform), and a test may pass its
 * own. Nothing here may import a node builtin: the browser entry imports this file.
 */

/** A field line, in wire order, duplicates kept (RFC 9292 Section 3.6). */
export type Field = readonly [name: string, value: string];

/** The inner request (RFC 9292 known-length request). */
export interface InnerRequest {
  readonly method: string;
  readonly scheme: string;
  readonly authority: string;
  readonly path: string;
  readonly headers: readonly Field[];
  readonly content: Uint8Array;
}

/** The final inner response; informational responses and trailers are dropped. */
export interface InnerResponse {
  readonly status: number;
  readonly headers: readonly Field[];
  readonly content: Uint8Array;
}

/** One encapsulated request and the single-use context that opens its answer (RFC 9458 Section 4). */
export interface SealedRequest {
  readonly encapsulatedRequest: Uint8Array;
  /** Opens the Encapsulated Response; throws on any failure. Single use. */
  open(encapsulatedResponse: Uint8Array): Promise<Uint8Array>;
}

/** The KEM of a gateway key configuration, by the name `gateway-keys --kem` and the CLI use. */
export type KemName = "x-wing" | "ml-kem-768" | "x25519";

/** The pinned key configuration: every `seal` sets up a fresh HPKE context. */
export interface OhttpSealer {
  /** The KEM of the pinned configuration. */
  readonly kem: KemName;
  seal(request: Uint8Array): Promise<SealedRequest>;
}

/** A PrivateToken challenge as offered in WWW-Authenticate (RFC 9577 Section 2.1). */
export interface ChallengeOffer {
  /** The encoded TokenChallenge, exactly as sent. */
  readonly challenge: Uint8Array;
  /** The issuer's token key (SPKI; for ARC the serialized ARC public key), exactly as sent. */
  readonly tokenKey: Uint8Array;
  /** ARC's "rate-limit" parameter: presentations per credential. */
  readonly rateLimit?: number;
}

export interface DirectoryKey {
  readonly tokenType: number;
  readonly tokenKey: Uint8Array;
  /** Unix seconds. */
  readonly notBefore?: number;
}

/** The issuer directory (RFC 9578 Section 4). */
export interface Directory {
  readonly issuerRequestUri: string;
  readonly tokenKeys: readonly DirectoryKey[];
}

/** A batch of blinded token requests for one challenge and key, waiting for the issuer. */
export interface PendingBatch {
  /** The body of the generic batch token request (application/private-token-generic-batch-request). */
  readonly body: Uint8Array;
  /** Unblinds and verifies the issuer's answer: encoded Tokens, one per signature received. */
  finalize(responseBody: Uint8Array): Promise<Uint8Array[]>;
}

/** One ARC credential and its presentation state (never reused: the nonce only moves forward). */
export interface ArcPresenter {
  /** Presentations left. */
  readonly remaining: number;
  /** One encoded ARC Token for the challenge; consumes a nonce before anything else. Throws when none is left. */
  present(): Uint8Array;
}

/** An ARC credential request waiting for the issuer. */
export interface PendingArcCredential {
  /** The CredentialRequest (application/private-credential-request). */
  readonly body: Uint8Array;
  /** Finalizes (verifying the issuer's proof); throws on anything invalid. */
  finalize(responseBody: Uint8Array): ArcPresenter;
}

/** ARC (token type 0xE5AC) on a backend that has it (docs: arc-wallet.ts). */
export interface ArcBackend {
  /** Whether `challenge` is an ARC TokenChallenge this client may answer for `originName` (origin_info). */
  accepts(challenge: Uint8Array, originName: string): boolean;
  /** A credential request for the challenge under `tokenKey`, for `presentationLimit` presentations. */
  beginCredential(challenge: Uint8Array, tokenKey: Uint8Array, presentationLimit: number): Promise<PendingArcCredential>;
}

export interface ClientBackend {
  readonly name: string;
  /** ARC, when the backend has it; without it the client uses type 2 only. */
  readonly arc?: ArcBackend;
  /** Decodes an application/ohttp-keys list and pins the first usable configuration; throws when none. */
  importKeys(keys: Uint8Array): Promise<OhttpSealer>;
  /** Encodes a known-length Binary HTTP request (the client appends the padding, RFC 9292 Section 3.8). */
  encodeRequest(request: InnerRequest): Uint8Array;
  /** Decodes a Binary HTTP response; throws on anything invalid. */
  decodeResponse(bytes: Uint8Array): InnerResponse;
  /** The PrivateToken challenges of a WWW-Authenticate value; throws when malformed. */
  parseChallenges(header: string): ChallengeOffer[];
  /** Throws when malformed. */
  decodeDirectory(json: string): Directory;
  /**
   * Validates the challenge (type 0x0002, for `originName` when it names origins) and blinds
   * `count` token inputs for it under `tokenKey` (RFC 9578 Section 6.1, generic batch).
   */
  beginBatch(challenge: Uint8Array, tokenKey: Uint8Array, originName: string, count: number): Promise<PendingBatch>;
  /** `PrivateToken token="..."` (RFC 9577 Section 2.2). */
  formatAuthorization(token: Uint8Array): string;
}
