/**
 * A reference subject for `npm run bench`, not a service: the least an OHTTP gateway on Node can
 * do per request. It reads the body, opens it (our HPKE), decodes Binary HTTP, forwards to the
 * target with undici (or, in "answer" mode, answers itself without any forward), encodes, seals
 * and answers: no key rotation, no Date or replay check, no allow-list, no padding, no logs, no
 * metrics. The distance between it and the real gateway is what the gateway's policy costs; the
 * distance between it and raw HPKE is what Node's HTTP costs.
 *
 * argv: keysFile port targetPort mode(forward|answer)
 */
import { createServer } from "node:http";
import { Pool } from "undici";
import { decodeRequest, encodeResponse, type Field } from "@oblivious/bhttp";
import { MediaType, decapsulateRequest, encodeKeyConfigs } from "@oblivious/ohttp";
import { readKeyFile } from "@oblivious/gateway";

const [keysFile = "", portText = "0", targetPortText = "0", mode = "forward"] = process.argv.slice(2);
const entry = readKeyFile(keysFile)[0];
if (entry === undefined) throw new Error("no key in the key file");
const key = entry.key;
const listing = encodeKeyConfigs([key.config]);
const lookup = (id: number): typeof key | undefined => (id === key.keyId ? key : undefined);
const pool = new Pool(`http://127.0.0.1:${targetPortText}`, { connections: 64 });
const canned = new TextEncoder().encode(JSON.stringify({ ok: true, items: [1, 2, 3] }));

createServer((req, res) => {
  if (req.method === "GET") {
    res.writeHead(200, { "content-type": MediaType.OhttpKeys }).end(listing);
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    void (async () => {
      const opened = decapsulateRequest(lookup, Buffer.concat(chunks));
      const inner = decodeRequest(opened.request);
      let status = 200;
      let headers: Field[] = [["content-type", "application/json"]];
      let content = canned;
      if (mode === "forward") {
        const answer = await pool.request({ method: "GET", path: inner.path });
        status = answer.statusCode;
        headers = Object.entries(answer.headers).flatMap(([n, v]): Field[] => (typeof v === "string" ? [[n, v]] : []));
        content = new Uint8Array(await answer.body.arrayBuffer());
      }
      const sealed = opened.context.encapsulateResponse(encodeResponse({ informational: [], status, headers, content, trailers: [] }));
      res.writeHead(200, { "content-type": MediaType.OhttpResponse, "content-length": sealed.length }).end(sealed);
    })().catch(() => res.writeHead(500).end());
  });
}).listen(Number(portText), "127.0.0.1", () => process.stdout.write("ready\n"));
