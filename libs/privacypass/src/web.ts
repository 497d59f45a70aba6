// The package as browsers and other non-Node platforms resolve it (package.json "browser"
// condition): every codec, the authentication headers, the directory and the client's issuance,
// on the platform-neutral primitives, and ARC's client half (credential request, finalization,
// presentation, the protocol's challenge, messages and token) on @noble/curves. The issuer's
// signer, token verification on KeyObjects, ARC's server half (key generation, response,
// presentation verification) and its OpenSSL multiplier are Node's entry only (index.ts).
// docs/decisions/0040-one-implementation-per-platform.md.
export * from "./client-exports.js";
