// The load generator's library entry (`npm run load` is cli.ts on top of it).
export { LoadSession } from "./session.js";
export type { Progress, SessionOptions } from "./session.js";
export type { GeneratorReport, KindResult, PremintReport, RunResult, RunSpec } from "./result.js";
export { DEFAULT_MIX, REQUEST_KINDS, SCENARIOS, kindOf, mixOf, parseMix } from "./plan.js";
export type { LoadShape, Mix, RequestKind, Scenario } from "./plan.js";
export { devCredentials, fileCredentials } from "./credentials.js";
export type { CredentialSource } from "./credentials.js";
export { SEARCH_QUERIES, SEARCH_LIMIT, SYNTHETIC_SEARCH_QUERIES, TELEMETRY_EVENTS } from "./scenarios.js";
export type { Authorities, SearchQuery } from "./scenarios.js";
export { histogram, percentile, summarize, timeline } from "./stats.js";
export type { Histogram, LatencySummary, Second } from "./stats.js";
export { DEFAULT_SATURATION, findSaturation } from "./saturation.js";
export type { SaturationOptions, SaturationResult, SaturationStep } from "./saturation.js";
export { renderHtml, textTable, writeReport } from "./report.js";
export type { LoadReport } from "./report.js";
export { histogramSvg, latencyOverTimeSvg } from "./svg.js";
