// Binary HTTP (RFC 9292): messages as plain data, and pure functions to encode and decode them.
export { BhttpError, BhttpErrorCode } from "./errors.js";
export { type Field, fieldValues, getField } from "./fields.js";
export { type Decoded, type EncodeOptions, Framing, FramingIndicator } from "./framing.js";
export { type DecodeLimits, DEFAULT_DECODE_LIMITS } from "./limits.js";
export { type Request, decodeRequest, decodeRequestDetailed, encodeRequest } from "./request.js";
export {
  type InformationalResponse,
  type Response,
  decodeResponse,
  decodeResponseDetailed,
  encodeResponse,
} from "./response.js";
