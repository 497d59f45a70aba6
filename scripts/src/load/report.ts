/**
 * What a load run leaves behind: a JSON result, an HTML report with the plots inline, the two
 * plots as SVG files next to it (for a README), and a plain-text table for the terminal.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { KemName } from "@oblivious/client";
import type { RunResult } from "./result.js";
import type { SaturationResult } from "./saturation.js";
import type { LatencySummary } from "./stats.js";
import { escapeXml, histogramSvg, latencyOverTimeSvg } from "./svg.js";

export interface LoadReport {
  readonly tool: "oblivious-load";
  readonly generatedAt: string;
  readonly relayUrl: string;
  readonly workers: number;
  /** The KEM of the gateway key the requests were sealed to (absent in reports made before it was recorded). */
  readonly kem?: KemName;
  readonly runs: readonly RunResult[];
  /** Index into `runs` of the run the plots show. */
  readonly primary: number;
  readonly saturation?: SaturationResult;
}

const ms = (v: number): string => (Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)) : "-");

function shapeText(r: RunResult): string {
  return r.shape.mode === "rate" ? `${r.shape.rate}/s` : `${r.shape.concurrency} in flight`;
}

function scenarioText(r: RunResult): string {
  return r.via === "direct" ? `${r.scenario} (direct)` : r.scenario;
}

function errorsText(r: RunResult): string {
  const entries = [...Object.entries(r.errorsByOutcome), ...Object.entries(r.shedByOutcome)];
  return entries.length === 0 ? "none" : entries.map(([k, v]) => `${k}: ${v}`).join(", ");
}

/** One line per run: the table printed on the terminal and used in the README. */
export function textTable(report: LoadReport): string {
  const rows = [["run", "scenario", "offered", "sent", "served", "errors", "shed", "served/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "headroom"]];
  for (const r of report.runs) {
    const l = r.latency;
    rows.push([
      r.label,
      scenarioText(r),
      shapeText(r),
      String(r.sent),
      String(r.served),
      String(r.errors),
      String(r.shed),
      r.throughput.toFixed(1),
      ms(l.p50Ms),
      ms(l.p90Ms),
      ms(l.p99Ms),
      ms(l.p999Ms),
      ms(l.maxMs),
      `${Math.round(r.generator.headroom * 100)}%${r.generator.limiting ? " (!)" : ""}`,
    ]);
  }
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? "").length))) ?? [];
  const line = (row: readonly string[]): string => `| ${row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(" | ")} |`;
  const [head, ...body] = rows;
  const out = [line(head ?? []), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)];
  const notes: string[] = [];
  if (report.kem !== undefined) notes.push(`gateway key: ${report.kem}${report.runs.every((r) => r.via === "direct") ? " (the runs went direct; only minting used it)" : ""}`);
  for (const r of report.runs) if (r.errors > 0 || r.shed > 0) notes.push(`${r.label}: ${errorsText(r)}`);
  if (report.runs.some((r) => r.generator.limiting)) notes.push("(!) the generator may have limited this run: busy workers, late sends or too few tokens");
  if (report.saturation !== undefined) {
    const s = report.saturation;
    notes.push(`saturation: ${s.saturationRps.toFixed(1)} served/s (${s.reason}${s.generatorLimited ? "; some steps generator-limited" : ""})`);
  }
  return [...out, ...notes].join("\n");
}

function summaryRows(l: LatencySummary): string {
  return [l.p50Ms, l.p90Ms, l.p99Ms, l.p999Ms, l.maxMs, l.meanMs].map((v) => `<td>${ms(v)}</td>`).join("");
}

export function renderHtml(report: LoadReport, timeSvg: string, histSvg: string): string {
  const runRows = report.runs
    .map(
      (r) =>
        `<tr><td>${escapeXml(r.label)}</td><td>${scenarioText(r)}</td><td>${shapeText(r)}</td><td>${r.sent}</td><td>${r.served}</td><td>${r.errors}</td><td>${r.shed}</td><td>${r.throughput.toFixed(1)}</td>${summaryRows(r.latency)}<td>${escapeXml(errorsText(r))}</td></tr>`,
    )
    .join("\n");
  const primary = report.runs[report.primary];
  const kinds = primary === undefined ? "" : Object.entries(primary.byKind).map(([k, v]) => `<tr><td>${k}</td><td>${v.sent}</td><td>${v.served}</td>${summaryRows(v.latency)}</tr>`).join("\n");
  const workers =
    primary === undefined
      ? ""
      : primary.generator.workers
          .map((w, i) => `<tr><td>${i}</td><td>${(w.eventLoopUtilization * 100).toFixed(0)}%</td><td>${w.prepareUsPerRequest.toFixed(0)}</td><td>${w.verifyUsPerRequest.toFixed(0)}</td><td>${w.preparedLate}</td><td>${w.exhausted ? "yes" : "no"}</td></tr>`)
          .join("\n");
  const saturation =
    report.saturation === undefined
      ? ""
      : `<h2>Saturation</h2><p>${report.saturation.saturationRps.toFixed(1)} served/s: ${escapeXml(report.saturation.reason)}.</p><table><tr><th>offered</th><th>served/s</th><th>errors</th><th>p50 ms</th><th>p99 ms</th><th>sustained</th></tr>${report.saturation.steps
          .map((s) => `<tr><td>${s.offered}</td><td>${s.throughput.toFixed(1)}</td><td>${s.errors}</td><td>${ms(s.p50Ms)}</td><td>${ms(s.p99Ms)}</td><td>${s.sustained ? "yes" : "no"}${s.generatorLimited ? " (generator-limited)" : ""}</td></tr>`)
          .join("")}</table>`;
  const latencyHead = "<th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>mean</th>";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Load report: ${escapeXml(report.relayUrl)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}svg{display:block;margin:1em 0}</style>
</head><body>
<h1>Load report</h1>
<p>Relay <code>${escapeXml(report.relayUrl)}</code>, ${report.workers} generator workers, ${escapeXml(report.generatedAt)}. Latency in ms from each request's due time (fixed rate) or send time (fixed concurrency) to its verified answer; a request counts as served only if its answer decrypted and was right.</p>
<h2>Runs</h2>
<table><tr><th>run</th><th>scenario</th><th>offered</th><th>sent</th><th>served</th><th>errors</th><th>shed</th><th>served/s</th>${latencyHead}<th>errors by outcome</th></tr>
${runRows}</table>
${saturation}
${primary === undefined ? "" : `<h2>${escapeXml(primary.label)}</h2>
${timeSvg}
${histSvg}
<h3>By kind</h3><table><tr><th>kind</th><th>sent</th><th>served</th>${latencyHead}</tr>${kinds}</table>
<h3>Generator</h3><p>Headroom ${(primary.generator.headroom * 100).toFixed(0)}%${primary.generator.limiting ? " — <strong>the generator may have limited this run</strong>" : ""}. Send lateness against the schedule: p50 ${ms(primary.generator.lateness.p50Ms)} ms, p99 ${ms(primary.generator.lateness.p99Ms)} ms, max ${ms(primary.generator.lateness.maxMs)} ms. Pre-minted before the clock: ${primary.premint.tokens} tokens and ${primary.premint.blindedRequests} blinded issuance requests in ${(primary.premint.ms / 1000).toFixed(2)} s.</p>
<table><tr><th>worker</th><th>event-loop utilization</th><th>µs sealing a request</th><th>µs verifying an answer</th><th>sealed late</th><th>out of tokens</th></tr>${workers}</table>`}
</body></html>
`;
}

/** Writes whichever outputs were asked for; the SVGs go next to the HTML as `<name>.latency-*.svg`. */
export function writeReport(report: LoadReport, paths: { readonly json?: string; readonly html?: string }): string[] {
  const written: string[] = [];
  if (paths.json !== undefined) {
    mkdirSync(dirname(paths.json), { recursive: true });
    writeFileSync(paths.json, `${JSON.stringify(report, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2)}\n`);
    written.push(paths.json);
  }
  if (paths.html !== undefined) {
    const primary = report.runs[report.primary];
    const title = primary === undefined ? "" : `${scenarioText(primary)}, ${shapeText(primary)}`;
    const timeSvg = latencyOverTimeSvg(primary?.timeline ?? [], `Latency over time (${title})`);
    const histSvg = histogramSvg(primary?.histogram ?? { lowerMs: [], counts: [] }, `Latency histogram (${title})`);
    const dir = dirname(paths.html);
    const stem = basename(paths.html).replace(/\.html?$/i, "");
    mkdirSync(dir, { recursive: true });
    const timeFile = join(dir, `${stem}.latency-over-time.svg`);
    const histFile = join(dir, `${stem}.latency-histogram.svg`);
    writeFileSync(timeFile, `${timeSvg}\n`);
    writeFileSync(histFile, `${histSvg}\n`);
    writeFileSync(paths.html, renderHtml(report, timeSvg, histSvg));
    written.push(paths.html, timeFile, histFile);
  }
  return written;
}
