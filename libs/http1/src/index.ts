export { TOKEN, FIELD_VALUE, fieldLine } from "./fields.js";
export { formatHttpDate, currentHttpDate } from "./http-date.js";
export { Http1Front, writeAnswer } from "./front.js";
export type { FrontAnswer, FrontRequest } from "./front.js";
export { Http1Client, ExchangeFailure } from "./client.js";
export type { ExchangeResult, Http1Answer, Http1Request } from "./client.js";
