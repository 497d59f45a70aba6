/**
 * One exchange on an HTTP/1.1 client (libs/http1) with a deadline: the whole answer within
 * `timeoutMs`, else the exchange is aborted (its connection closed, since it may still carry
 * part of the answer) and the result is a timeout.
 */
import type { ExchangeResult, Http1Client, Http1Request } from "@oblivious/http1";

export const EXCHANGE_TIMEOUT = "timeout";

export type TimedExchangeResult = ExchangeResult | { readonly ok: false; readonly failure: typeof EXCHANGE_TIMEOUT };

export function exchangeWithin(client: Http1Client, request: Http1Request, timeoutMs: number): Promise<TimedExchangeResult> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      exchange.abort();
      resolve({ ok: false, failure: EXCHANGE_TIMEOUT });
    }, timeoutMs);
    const exchange = client.request(request, (result) => {
      clearTimeout(timer);
      resolve(result);
    });
  });
}
