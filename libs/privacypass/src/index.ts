// The package as Node resolves it: everything web.ts gives (client-exports.ts), plus what needs
// node:crypto KeyObjects or OpenSSL: token keys as KeyObjects, the issuer's signers, token
// verification, and ARC's server half (key generation, response, presentation verification).
// ARC, Anonymous Rate-limited Credentials, suite ARCV1-P256 (draft-ietf-privacypass-arc-crypto);
// see README "ARC". Names carry an Arc prefix here; the modules under src/arc/ use the draft's.
export * from "./client-exports.js";
export { encodeTokenKey, decodeTokenKey } from "./token-key.js";
export { NativeBlindSigner } from "./native-signer.js";
export { blindSignWithLibrary } from "./library-signer.js";
export { verifyToken } from "./verify.js";
// The package entry is Node's: ARC's scalar multiplications run on OpenSSL from here on (same
// results; the browser-safe src/arc/ modules fall back to @noble/curves without it). See
// docs/decisions/0030-arc-speed.md.
import { useNativeArcMultiplier } from "./arc-native.js";
useNativeArcMultiplier();
export { useNativeArcMultiplier, nativeArcMultiplier } from "./arc-native.js";
export { addonArcMultiplier, arcAddonUnavailable } from "./arc-addon.js";
export { setArcMultiplier } from "./arc/group.js";
export type { ArcMultiplier, ArcElement } from "./arc/group.js";
export { SeededRandom as ArcSeededRandom } from "./arc/random.js";
export { generateServerKey as generateArcServerKey, serverPublicKey as arcServerPublicKey } from "./arc/keys.js";
export type { ServerPrivateKey as ArcServerPrivateKey, ServerKeyPair as ArcServerKeyPair } from "./arc/keys.js";
export { createCredentialResponse as createArcCredentialResponse } from "./arc/response.js";
export { verifyPresentation as verifyArcPresentation } from "./arc/verify-presentation.js";
export {
  encodeServerPrivateKey as encodeArcServerPrivateKey,
  decodeServerPrivateKey as decodeArcServerPrivateKey,
  SERVER_PRIVATE_KEY_LENGTH as ARC_SERVER_PRIVATE_KEY_LENGTH,
} from "./arc/codec.js";
