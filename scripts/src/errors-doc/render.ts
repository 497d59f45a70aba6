/**
 * docs/errors.md from the problem tables themselves: every `application/problem+json` answer a
 * client can get (RFC 9457), with its type URI, status, title, detail, the service that sends it
 * and where the client sees it: before decryption (a plain answer the relay can read) or after
 * (inside the encrypted answer, RFC 9458 §5.2). The page is generated, never edited by hand;
 * e2e/test/errors-doc.test.ts fails when it is out of date (`npm run errors-doc` writes it).
 */
import { INNER_PROBLEMS, OUTER_PROBLEMS } from "@oblivious/gateway";
import { PROBLEMS as ISSUER_PROBLEMS } from "@oblivious/issuer";
import { RelayProblems } from "@oblivious/relay";
import { CommonProblems, OVERLOADED_PROBLEM, type Problem } from "@oblivious/service-kit";
import { StickerSearchProblems } from "@oblivious/sticker-search";
import { TELEMETRY_PROBLEMS } from "@oblivious/telemetry";
import { TokenGateProblems } from "@oblivious/token-gate";

/** The page's path from the repository's root. */
export const ERRORS_DOC_PATH = "docs/errors.md";

/** Where a client sees a problem. */
export const Seen = {
  /** A plain answer from the relay itself: nothing was decrypted. */
  RelayPlain: "before decryption: plain, from the relay",
  /** A plain answer from the gateway before it removed the encapsulation; the relay passes it on. */
  GatewayPlain: "before decryption: plain, from the gateway through the relay",
  /** Inside the encapsulated answer (an outer 200 `message/ohttp-res`). */
  Encapsulated: "after decryption: inside the encrypted answer",
  /** Token requests go to the issuer directly, not through OHTTP. */
  Direct: "no OHTTP: plain, from the issuer directly",
} as const;
export type Seen = (typeof Seen)[keyof typeof Seen];

/** One problem table of one service, as the page shows it. */
export interface ProblemSection {
  readonly heading: string;
  readonly service: string;
  readonly seen: Seen;
  /** Sent by several services, so where the client sees it depends on the sender. */
  readonly anySender?: boolean;
  /** What the section's reader should know beside the rows. */
  readonly note: string;
  /** The table, as the service keeps it: its own code for each problem. */
  readonly table: Readonly<Record<string, Problem>>;
}

export const SECTIONS: readonly ProblemSection[] = [
  {
    heading: "Relay",
    service: "relay",
    seen: Seen.RelayPlain,
    note:
      "`POST /relay` and `GET /ohttp-keys`. The relay also answers with the common problems below " +
      "(405, 404, 408, 429 with `Retry-After`, 500). When the gateway answers an error whose body is " +
      "not problem+json, the relay answers `tag:oblivious-services,2026:problem/gateway-error` " +
      "(\"Gateway Error\") with the gateway's status instead of the gateway's body.",
    table: RelayProblems,
  },
  {
    heading: "Gateway, before decryption",
    service: "gateway",
    seen: Seen.GatewayPlain,
    note:
      "RFC 9458 §5.2: errors found before the encapsulation is removed are sent without protection. " +
      "An unknown key identifier, a suite the key does not accept and a failed decryption all get the " +
      "same `ohttp-key` answer, byte for byte (RFC 9458 §5.3), so that it is no oracle. `GET /ohttp-keys` " +
      "answers the common 503 when no key is published.",
    table: OUTER_PROBLEMS,
  },
  {
    heading: "Gateway, after decryption",
    service: "gateway",
    seen: Seen.Encapsulated,
    note:
      "RFC 9458 §5.2: errors found after the encapsulation is removed travel as a Binary HTTP answer " +
      "inside an outer 200 `message/ohttp-res`. A `date` answer carries the gateway's own `Date`, so the " +
      "client can retry with the gateway's clock.",
    table: INNER_PROBLEMS,
  },
  {
    heading: "Token-gated targets (sticker-search, telemetry)",
    service: "token-gate",
    seen: Seen.Encapsulated,
    note:
      "Each 401 carries `WWW-Authenticate: PrivateToken` with fresh challenges (RFC 9577 §2.1). Every " +
      "token that is not valid here gets the same `invalid-token` answer.",
    table: TokenGateProblems,
  },
  {
    heading: "Sticker search",
    service: "sticker-search",
    seen: Seen.Encapsulated,
    note: "`POST /v1/search`, reached through the gateway as `https://sticker-search.internal`.",
    table: StickerSearchProblems,
  },
  {
    heading: "Telemetry",
    service: "telemetry",
    seen: Seen.Encapsulated,
    note: "`POST /v1/events`, reached through the gateway as `https://telemetry.internal`.",
    table: TELEMETRY_PROBLEMS,
  },
  {
    heading: "Issuer",
    service: "issuer",
    seen: Seen.Direct,
    note:
      "`POST /token-request`, single or batched. The directory is fetched through the gateway " +
      "(`https://issuer.internal`), so its answers arrive inside the encrypted answer. A 401 carries " +
      "`WWW-Authenticate: Bearer` (RFC 6750 §3); a 429 carries `Retry-After`.",
    table: ISSUER_PROBLEMS,
  },
  {
    heading: "Load shedding",
    service: "relay, gateway, issuer, sticker-search",
    seen: Seen.RelayPlain,
    anySender: true,
    note:
      "A hop at its in-flight limit answers at once with 503 and `Retry-After: 1` (docs/decisions/0028-load-shedding.md): " +
      "plain from the relay and from the gateway (before decryption) and the issuer; inside the encrypted answer from " +
      "sticker-search, before its token gate, so the token is not spent.",
    table: { overloaded: OVERLOADED_PROBLEM },
  },
  {
    heading: "Common answers",
    service: "every service",
    seen: Seen.RelayPlain,
    note:
      "The answers every service can give when the status says it all (`about:blank`, RFC 9457 §4.2.1). " +
      "Where the client sees one depends on who sent it: plain from the relay, the gateway before " +
      "decryption and the issuer; inside the encrypted answer from the gateway after decryption and " +
      "from every target.",
    table: CommonProblems,
  },
];

/** One row of the page. */
export interface ProblemRow {
  readonly section: string;
  readonly code: string;
  readonly service: string;
  readonly seen: Seen | "depends on the sender";
  readonly problem: Problem;
}

export function problemRows(sections: readonly ProblemSection[] = SECTIONS): ProblemRow[] {
  return sections.flatMap((s) =>
    Object.entries(s.table).map(([code, problem]) => ({
      section: s.heading,
      code,
      service: s.service,
      seen: s.table === CommonProblems || s.anySender === true ? ("depends on the sender" as const) : s.seen,
      problem,
    })),
  );
}

/** Markdown table cell: no line breaks, no unescaped pipe. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s+/g, " ").trim();
}

export function renderErrorsDoc(sections: readonly ProblemSection[] = SECTIONS): string {
  const rows = problemRows(sections);
  const out: string[] = [
    "# Errors a client can see",
    "",
    "<!-- Generated by `npm run errors-doc` from the services' problem tables; do not edit by hand. -->",
    "",
    "Every error answer of every service is `application/problem+json` (RFC 9457) with a fixed `type`,",
    "`title`, `status` and, for most, a fixed `detail`: never request data, never an internal message.",
    "Types the project defines are tag URIs (RFC 4151), `tag:oblivious-services,2026:problem/<name>`,",
    "which need no registration and resolve nowhere; types that RFCs register keep their IANA URIs.",
    "",
    "Where the client sees an answer matters for privacy: a plain answer before decryption is one the",
    "relay can read; an answer after decryption travels inside the encrypted answer (RFC 9458 §5.2).",
    "",
    `${rows.length} answers in ${sections.length} tables.`,
    "",
  ];
  for (const section of sections) {
    const sectionRows = rows.filter((r) => r.section === section.heading);
    out.push(`## ${section.heading}`, "", section.note, "");
    out.push("| type | status | title | detail | service | where the client sees it | code |", "|---|---|---|---|---|---|---|");
    for (const r of sectionRows) {
      const p = r.problem;
      out.push(`| \`${cell(p.type)}\` | ${p.status} | ${cell(p.title)} | ${cell(p.detail ?? "")} | ${r.service} | ${r.seen} | \`${r.code}\` |`);
    }
    out.push("");
  }
  return out.join("\n");
}
