/**
 * The privacy contract (docs/design.md): the gateway logs no query text, no token, no inner path or
 * header or body, no `enc` and no key bytes, and exports none as a metric label. A canary of each
 * goes through every kind of answer; none may appear in a log line or in /metrics.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { encodeRequest } from "@oblivious/bhttp";
import { MediaType, encapsulateRequest } from "@oblivious/ohttp";
import { formatHttpDate } from "@oblivious/http1";
import { exchange, fetchKeyConfigs, innerRequest, metricsText, oneKeyFile, startTarget, startTestGateway, tempDir, T0 } from "./helpers.js";

test("privacy: no canary of the inner request, no enc and no key bytes in any log line or metric", async () => {
  const target = await startTarget();
  const keys = oneKeyFile(tempDir());
  const t = await startTestGateway({
    GATEWAY_KEYS_FILE: keys.path,
    GATEWAY_TARGETS: `https://sticker-search.internal=${target.url}`,
    GATEWAY_MAX_RESPONSE: "64KiB",
  });
  const canaries = {
    path: "canary-path-51c0d7",
    query: "canary-query-7f3a9c",
    header: "canary-header-2be4aa",
    token: "canary-token-9d01fe",
    body: "canary-body-c3e8b2",
    host: "canary-host-0a17",
  };
  try {
    const [config] = await fetchKeyConfigs(t.gw.url);
    assert.ok(config);
    const date = formatHttpDate(T0);
    const request = innerRequest(T0, {
      method: "POST",
      path: `/v1/${canaries.path}?q=${canaries.query}`,
      headers: [
        ["date", date],
        ["x-note", canaries.header],
        ["authorization", `PrivateToken token="${canaries.token}"`],
      ],
      content: Buffer.from(canaries.body),
    });
    // Success, then a replay of the very same bytes.
    const bhttp = encodeRequest(request);
    const { encapsulatedRequest } = encapsulateRequest(config, bhttp);
    for (let i = 0; i < 2; i++) {
      await (await fetch(`${t.gw.url}/gateway?${canaries.query}`, { method: "POST", headers: { "content-type": MediaType.OhttpRequest }, body: encapsulatedRequest })).arrayBuffer();
    }
    // Forbidden target, date outside the window, bad Expect, failing and oversized target answers.
    await exchange(t.gw.url, config, { ...request, authority: `${canaries.host}.example` });
    await exchange(t.gw.url, config, { ...request, headers: [["date", formatHttpDate(T0 - 3_600_000)], ["x-note", canaries.header]] });
    await exchange(t.gw.url, config, { ...request, headers: [["date", date], ["expect", canaries.header]] });
    target.handler = (req) => req.socket.destroy();
    await exchange(t.gw.url, config, request);
    target.handler = (_req, res) => res.end(Buffer.alloc(70_000, 0x41));
    await exchange(t.gw.url, config, request);
    // Outer errors with canaries in the URL and the outer headers.
    await fetch(`${t.gw.url}/${canaries.path}?q=${canaries.query}`, { headers: { "x-note": canaries.header } });
    await fetch(`${t.gw.url}/gateway?q=${canaries.query}`, { method: "POST", headers: { "content-type": "text/plain" }, body: canaries.body });
    await fetch(`${t.gw.url}/gateway`, { method: "POST", headers: { "content-type": MediaType.OhttpRequest }, body: Buffer.from(`${canaries.body}`.repeat(4)) });

    assert.equal(target.received.filter((r) => r.url.includes(canaries.query)).length, 3, "the canaries did reach the target");
    const metrics = await metricsText(t.gw);
    const logs = t.logs.text;
    assert.ok(t.logs.lines.length > 10, "events were logged");
    const enc = Buffer.from(encapsulatedRequest.subarray(7, 39));
    const privateKey = JSON.parse(readFileSync(keys.path, "utf8")) as { keys: { privateKey: string }[] };
    const forbidden = [
      ...Object.values(canaries),
      enc.toString("hex"),
      enc.toString("base64"),
      enc.toString("base64url"),
      privateKey.keys[0]?.privateKey ?? "missing",
    ];
    for (const text of forbidden) {
      assert.ok(!logs.includes(text), `log lines hold ${text}`);
      assert.ok(!metrics.includes(text), `metrics hold ${text}`);
    }
    // Every line is a declared event; nothing was dropped, so nothing undeclared was attempted.
    const events = new Set(t.logs.records.map((r) => r["event"]));
    for (const e of events) assert.match(String(e), /^(http\.request|gateway\.rejected|target\.failed|keys\.\w+|service\.\w+|replay\.\w+|error\.unexpected)$/);
    assert.match(metrics, /gateway_log_dropped_total\{reason="undeclared_field"\} 0/);
    assert.match(metrics, /gateway_log_dropped_total\{reason="invalid_value"\} 0/);
  } finally {
    await t.stop();
    await target.close();
  }
});
