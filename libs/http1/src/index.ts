export { TOKEN, FIELD_VALUE, fieldLine } from "./fields.js";
export type { Http1Field } from "./fields.js";
export { formatHttpDate, currentHttpDate } from "./http-date.js";
export { Http1Front, writeAnswer } from "./front.js";
export type { FrontAnswer, FrontHeld, FrontOptions, FrontRequest } from "./front.js";
export { Http1Client, ExchangeFailure } from "./client.js";
export type { Exchange, ExchangeResult, Http1Answer, Http1ClientOptions, Http1Request } from "./client.js";
export { DEFAULT_MAX_HEAD_BYTES } from "./client.js";
