/**
 * The error of a store a request must hear from before it goes on: the token gate's spent-token
 * store, the gateway's replay cache, the issuer's quota store. Each fails closed the same way:
 * a store that cannot answer throws a `StoreError`, and the service answers 503, never a pass.
 * Messages name the store and the code only, never a key or a value.
 */
import { CodedError } from "@oblivious/wire";

export const StoreErrorCode = {
  /** Redis did not answer, not with enough replicas, or not with what the command returns. */
  Unavailable: "unavailable",
  /** The in-memory store holds its most live entries and cannot take one more. */
  Full: "full",
} as const;
export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode];

export class StoreError extends CodedError<StoreErrorCode> {
  override readonly name = "StoreError";

  /** `store` names the store in the message ("spent-token store", "replay cache", ...). */
  constructor(store: string, code: StoreErrorCode) {
    super(code, `${store}: ${code}`);
  }
}
