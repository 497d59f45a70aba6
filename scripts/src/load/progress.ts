/** One self-rewriting progress line on stderr, only when stderr is a terminal. */
import type { Progress } from "./session.js";

export function progressLine(stream: NodeJS.WriteStream = process.stderr): { update: (p: Progress) => void; note: (text: string) => void; done: () => void } {
  const tty = stream.isTTY === true;
  let shown = false;
  const clear = (): void => {
    if (shown) stream.write("\r\x1b[2K");
    shown = false;
  };
  return {
    update: (p) => {
      if (!tty) return;
      const text =
        p.phase === "mint"
          ? `  ${p.label}… ${(p.elapsedMs / 1000).toFixed(1)} s`
          : `  ${p.phase} ${p.label}: ${Math.max(0, Math.min(p.elapsedMs, p.durationMs) / 1000).toFixed(1)}/${(p.durationMs / 1000).toFixed(0)} s, ${p.completed} answered, ${p.served} served, ${p.completed - p.served} errors`;
      stream.write(`\r\x1b[2K${text.slice(0, (stream.columns ?? 120) - 1)}`);
      shown = true;
    },
    note: (text) => {
      clear();
      stream.write(`${text}\n`);
    },
    done: clear,
  };
}
