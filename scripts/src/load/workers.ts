/** The coordinator's handle on its worker threads: one request at a time per call, answers by id. */
import { Worker } from "node:worker_threads";
import type { FromWorker, ToWorker, WorkerInit, WorkerReplies, WorkerRequest } from "./protocol.js";

type Pending = { resolve: (value: WorkerReplies[keyof WorkerReplies]) => void; reject: (e: Error) => void };

export class WorkerSet {
  readonly #workers: Worker[];
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  /** Latest progress of each worker in the current run. */
  readonly progress: { completed: number; ok: number }[];

  constructor(init: WorkerInit, count: number) {
    this.progress = Array.from({ length: count }, () => ({ completed: 0, ok: 0 }));
    this.#workers = Array.from({ length: count }, (_, i) => {
      const worker = new Worker(new URL("./worker.js", import.meta.url), { workerData: init });
      worker.on("message", (message: FromWorker) => {
        if ("progress" in message) {
          this.progress[i] = { ...message.progress };
          return;
        }
        const pending = this.#pending.get(message.id);
        if (pending === undefined) return;
        this.#pending.delete(message.id);
        if (message.ok) pending.resolve(message.value);
        else pending.reject(new Error(message.error));
      });
      // An error may come while nothing is pending; the request that finds the worker gone names it.
      let failure: Error | undefined;
      worker.on("error", (e) => {
        failure = e;
        this.#failAll(e);
      });
      worker.on("exit", (code) => {
        if (code !== 0) this.#failAll(new Error(`a load worker exited with code ${code}${failure === undefined ? "" : `: ${failure.stack ?? failure.message}`}`));
      });
      return worker;
    });
  }

  get size(): number {
    return this.#workers.length;
  }

  #failAll(e: Error): void {
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
  }

  request<K extends WorkerRequest["op"]>(index: number, request: Extract<WorkerRequest, { op: K }>): Promise<WorkerReplies[K]> {
    const worker = this.#workers[index];
    if (worker === undefined) return Promise.reject(new Error(`no worker ${index}`));
    const id = this.#nextId++;
    return new Promise<WorkerReplies[K]>((resolve, reject) => {
      // The reply to a request of op K is WorkerReplies[K] (worker.ts answers by op).
      this.#pending.set(id, { resolve: resolve as (v: WorkerReplies[keyof WorkerReplies]) => void, reject });
      worker.postMessage({ id, request } satisfies ToWorker);
    });
  }

  resetProgress(): void {
    for (const p of this.progress) {
      p.completed = 0;
      p.ok = 0;
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      this.#workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void w.terminate().then(() => resolve()), 5000);
            w.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            w.postMessage({ id: 0, close: true } satisfies ToWorker);
          }),
      ),
    );
  }
}
