import { Writable } from "node:stream";

/** A log destination that keeps every line, for tests that read what a service logged. */
export class LineCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    for (const line of chunk.toString().split("\n")) if (line !== "") this.lines.push(line);
    done();
  }

  get text(): string {
    return this.lines.join("\n");
  }

  /** Every line parsed: the loggers under test write one JSON object a line. */
  get records(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  events(name: string): Record<string, unknown>[] {
    return this.records.filter((record) => record["event"] === name);
  }
}
