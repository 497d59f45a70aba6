/** The two plots of a load report as standalone SVG: latency over time and a latency histogram. */
import type { Histogram, Second } from "./stats.js";

const W = 720;
const H = 300;
const M = { left: 60, right: 20, top: 30, bottom: 44 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;
const FONT = 'font-family="system-ui, sans-serif" font-size="12"';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Round axis steps: 1, 2 or 5 times a power of ten, about `count` of them up to `max`. */
function ticks(max: number, count: number): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(6)));
  return out;
}

function frame(title: string, body: string, xLabel: string, yLabel: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(title)}">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" ${FONT} font-weight="600">${escapeXml(title)}</text>`,
    body,
    `<text x="${M.left + PLOT_W / 2}" y="${H - 8}" text-anchor="middle" ${FONT}>${escapeXml(xLabel)}</text>`,
    `<text transform="translate(14 ${M.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle" ${FONT}>${escapeXml(yLabel)}</text>`,
    `</svg>`,
  ].join("\n");
}

function yAxis(max: number, y: (v: number) => number): string {
  return ticks(max, 5)
    .map((v) => `<line x1="${M.left}" x2="${M.left + PLOT_W}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/><text x="${M.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" ${FONT}>${v}</text>`)
    .join("\n");
}

/** p50 and p99 of the served requests due in each second of the run. */
export function latencyOverTimeSvg(seconds: readonly Second[], title: string): string {
  const points = seconds.filter((s) => Number.isFinite(s.p50Ms));
  const maxY = Math.max(1e-3, ...points.map((s) => s.p99Ms)) * 1.1;
  const maxX = Math.max(1, seconds.length);
  const x = (sec: number): number => M.left + ((sec + 0.5) / maxX) * PLOT_W;
  const y = (v: number): number => M.top + PLOT_H - (v / maxY) * PLOT_H;
  const line = (pick: (s: Second) => number, color: string): string =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((s) => `${x(s.second).toFixed(1)},${y(pick(s)).toFixed(1)}`).join(" ")}"/>` +
    points.map((s) => `<circle cx="${x(s.second).toFixed(1)}" cy="${y(pick(s)).toFixed(1)}" r="2.5" fill="${color}"/>`).join("");
  const errors = seconds
    .filter((s) => s.errors > 0)
    .map((s) => `<rect x="${(x(s.second) - 3).toFixed(1)}" y="${M.top + PLOT_H - 6}" width="6" height="6" fill="#d62728"><title>${s.errors} errors</title></rect>`)
    .join("");
  const xTicks = ticks(maxX, 8)
    .filter((v) => v <= maxX)
    .map((v) => `<text x="${(M.left + (v / maxX) * PLOT_W).toFixed(1)}" y="${M.top + PLOT_H + 16}" text-anchor="middle" ${FONT}>${v}</text>`)
    .join("");
  const legend = `<g ${FONT}><rect x="${M.left + 10}" y="${M.top + 2}" width="12" height="3" fill="#1f77b4"/><text x="${M.left + 26}" y="${M.top + 8}">p50</text><rect x="${M.left + 60}" y="${M.top + 2}" width="12" height="3" fill="#ff7f0e"/><text x="${M.left + 76}" y="${M.top + 8}">p99</text><rect x="${M.left + 110}" y="${M.top + 1}" width="6" height="6" fill="#d62728"/><text x="${M.left + 120}" y="${M.top + 8}">second with errors</text></g>`;
  const body = [yAxis(maxY, y), xTicks, line((s) => s.p99Ms, "#ff7f0e"), line((s) => s.p50Ms, "#1f77b4"), errors, legend].join("\n");
  return frame(title, body, "seconds after the start (by due time)", "latency (ms)");
}

/** Request counts per latency bucket, on a log scale of latency. */
export function histogramSvg(h: Histogram, title: string): string {
  const n = h.counts.length;
  const maxY = Math.max(1, ...h.counts) * 1.1;
  const y = (v: number): number => M.top + PLOT_H - (v / maxY) * PLOT_H;
  const bw = n === 0 ? 0 : PLOT_W / n;
  const bars = h.counts
    .map((c, i) => {
      const lo = h.lowerMs[i] ?? 0;
      const hi = h.lowerMs[i + 1] ?? lo;
      return `<rect x="${(M.left + i * bw + 1).toFixed(1)}" y="${y(c).toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${(M.top + PLOT_H - y(c)).toFixed(1)}" fill="#1f77b4"><title>${lo.toPrecision(3)}–${hi.toPrecision(3)} ms: ${c}</title></rect>`;
    })
    .join("\n");
  const every = Math.max(1, Math.ceil(n / 8));
  const labels = h.lowerMs
    .map((lo, i) => (i % every === 0 || i === n ? `<text x="${(M.left + i * bw).toFixed(1)}" y="${M.top + PLOT_H + 16}" text-anchor="middle" ${FONT}>${Number(lo.toPrecision(2))}</text>` : ""))
    .join("");
  return frame(title, [yAxis(maxY, y), bars, labels].join("\n"), "latency (ms, log scale; 10 buckets a decade)", "requests");
}
