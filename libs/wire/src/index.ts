export { CodedError, codedMessage } from "./coded-error.js";
export { WireError, WireErrorCode } from "./errors.js";
export { ByteReader } from "./reader.js";
export { decodeWhole } from "./decode-whole.js";
export type { DecodeFailure } from "./decode-whole.js";
export { ByteWriter, varintLength, MAX_VARINT } from "./writer.js";
export { concat, equal, fromHex, toHex, bytesToLatin1, latin1ToBytes, toBase64Url, fromBase64Url } from "./bytes.js";
