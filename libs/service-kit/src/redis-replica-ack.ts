/**
 * A write that must survive the loss of the primary: after it, `WAIT <replicas> <timeout>` on the
 * same connection (Redis WAIT: it blocks until every write this connection sent before it is
 * acknowledged by that many replicas, and returns how many did). Fewer than required, or an error,
 * and the write does not count: the caller fails closed. Why and what it costs:
 * docs/decisions/0023-durable-spends.md.
 *
 * Group commit: WAIT blocks its connection, so one WAIT per write would serialise every write
 * behind a replica round trip. Writes that finish while a WAIT is out join the next one; one WAIT
 * then covers all of them (it covers everything the connection wrote before it was sent).
 *
 * A write acknowledged on one connection is never confirmed by a WAIT on another: after a
 * reconnection (to a promoted replica, say) a WAIT covers none of the old connection's writes and
 * would answer "all replicas" at once. Each write records the connection's generation before it is
 * sent; a generation change before the covering WAIT's answer fails it.
 */
import type { Redis } from "ioredis";
import { CodedError } from "@oblivious/wire";

export const ReplicaAckErrorCode = { TooFewReplicas: "too_few_replicas", ConnectionChanged: "connection_changed", WaitFailed: "wait_failed" } as const;
export type ReplicaAckErrorCode = (typeof ReplicaAckErrorCode)[keyof typeof ReplicaAckErrorCode];

export class ReplicaAckError extends CodedError<ReplicaAckErrorCode> {
  override readonly name = "ReplicaAckError";
  constructor(code: ReplicaAckErrorCode) {
    super(code, `write not acknowledged by enough replicas: ${code}`);
  }
}

export interface ReplicaAckOptions {
  /** Replicas that must acknowledge; 0 turns confirmation off (one Redis in development). */
  readonly minReplicas: number;
  /** WAIT's timeout; below the connection's command timeout. */
  readonly timeoutMs: number;
}

interface Waiter {
  readonly generation: number;
  readonly resolve: () => void;
  readonly reject: (error: ReplicaAckError) => void;
}

export class ReplicaAck {
  readonly #redis: Redis;
  readonly #minReplicas: number;
  readonly #timeoutMs: number;
  #generation = 0;
  #next: Waiter[] = [];
  #waiting = false;

  constructor(redis: Redis, options: ReplicaAckOptions) {
    if (!Number.isInteger(options.minReplicas) || options.minReplicas < 0) throw new RangeError("minReplicas must be a non-negative integer");
    if (!Number.isInteger(options.timeoutMs) || options.timeoutMs < 1) throw new RangeError("timeoutMs must be a positive integer");
    this.#redis = redis;
    this.#minReplicas = options.minReplicas;
    this.#timeoutMs = options.timeoutMs;
    // Every lost connection starts a new generation; writes of the old one can no longer be confirmed.
    redis.on("close", () => {
      this.#generation += 1;
    });
  }

  get enabled(): boolean {
    return this.#minReplicas > 0;
  }

  /**
   * Runs `write` and, when confirmation is on and `mustConfirm(result)` (default: always), resolves
   * only once enough replicas hold it; throws ReplicaAckError otherwise (and whatever `write` throws).
   */
  async durable<T>(write: () => Promise<T>, mustConfirm: (result: T) => boolean = () => true): Promise<T> {
    if (!this.enabled) return write();
    const generation = this.#generation;
    const result = await write();
    if (mustConfirm(result)) await this.#confirm(generation);
    return result;
  }

  #confirm(generation: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#next.push({ generation, resolve, reject });
      if (!this.#waiting) this.#round();
    });
  }

  #round(): void {
    const batch = this.#next;
    this.#next = [];
    if (batch.length === 0) {
      this.#waiting = false;
      return;
    }
    this.#waiting = true;
    const sentIn = this.#generation;
    const settle = (error: ReplicaAckError | undefined): void => {
      const changed = this.#generation !== sentIn;
      for (const w of batch) {
        if (error !== undefined) w.reject(error);
        else if (changed || w.generation !== sentIn) w.reject(new ReplicaAckError("connection_changed"));
        else w.resolve();
      }
      this.#round();
    };
    this.#redis.wait(this.#minReplicas, this.#timeoutMs).then(
      (acked) => settle(acked >= this.#minReplicas ? undefined : new ReplicaAckError("too_few_replicas")),
      () => settle(new ReplicaAckError("wait_failed")),
    );
  }
}
