/** The who-saw-what matrix: components by canaries, each cell the channels a canary was found in. */
import { CANARIES, CHANNELS, CHANNEL_LETTER, COMPONENTS, allowed, type CanaryKind, type Component } from "./contract.js";
import type { Finding } from "./scan.js";

export interface Cell {
  readonly component: Component;
  readonly canary: CanaryKind;
  /** Channel letters found, e.g. "R" or "RL". */
  readonly seen: string;
  /** Findings that break the contract. */
  readonly violations: readonly Finding[];
}

export function buildMatrix(findings: readonly Finding[]): Cell[] {
  const cells: Cell[] = [];
  for (const component of COMPONENTS) {
    for (const canary of CANARIES) {
      const here = findings.filter((f) => f.component === component && f.canary === canary);
      const seen = CHANNELS.filter((ch) => here.some((f) => f.channel === ch))
        .map((ch) => CHANNEL_LETTER[ch])
        .join("");
      cells.push({ component, canary, seen, violations: here.filter((f) => !allowed(component, canary, f.channel)) });
    }
  }
  return cells;
}

/** A plain-text table: `.` nothing seen, letters for allowed sightings, `!` before a violation. */
export function renderMatrix(cells: readonly Cell[]): string {
  const width = Math.max(...COMPONENTS.map((c) => c.length));
  const colWidth = Math.max(...CANARIES.map((c) => c.length));
  const lines = [`${"".padEnd(width)}  ${CANARIES.map((c) => c.padEnd(colWidth)).join("  ")}`];
  for (const component of COMPONENTS) {
    const row = CANARIES.map((canary) => {
      const cell = cells.find((c) => c.component === component && c.canary === canary);
      const text = cell === undefined || cell.seen === "" ? "." : cell.violations.length > 0 ? `!${cell.seen}` : cell.seen;
      return text.padEnd(colWidth);
    });
    lines.push(`${component.padEnd(width)}  ${row.join("  ")}`);
  }
  lines.push("", "R received  L logged  M in /metrics  S stored in Redis  ! breaks the privacy contract  . not seen");
  return lines.join("\n");
}
