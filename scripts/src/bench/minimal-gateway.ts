/**
 * A reference subject for `npm run bench`, not a service: the least an OHTTP gateway can do per
 * request on the same transport as the gateway (service-kit's Http1Front and Http1Client). It
 * reads the body, opens it (our HPKE), decodes Binary HTTP, forwards to the target (or, in
 * "answer" mode, answers itself without any forward), encodes, seals and answers: no key
 * rotation, no Date or replay check, no allow-list, no padding, no logs, no metrics. The distance
 * between it and the real gateway is what the gateway's policy and observability cost; the
 * distance between it and raw HPKE is what the sockets and the transport cost on this machine.
 *
 * argv: keysFile port targetPort mode(forward|answer)
 */
import { decodeRequest, encodeResponse, type Field } from "@oblivious/bhttp";
import { MediaType, decapsulateRequest, encodeKeyConfigs } from "@oblivious/ohttp";
import { readKeyFile } from "@oblivious/gateway";
import { Http1Client, Http1Front, type FrontAnswer } from "@oblivious/http1";

const [keysFile = "", portText = "0", targetPortText = "0", mode = "forward"] = process.argv.slice(2);
const entry = readKeyFile(keysFile)[0];
if (entry === undefined) throw new Error("no key in the key file");
const key = entry.key;
const listing = encodeKeyConfigs([key.config]);
const lookup = (id: number): typeof key | undefined => (id === key.keyId ? key : undefined);
const target = new Http1Client(new URL(`http://127.0.0.1:${targetPortText}`), { connections: 128, maxResponseBytes: 1 << 20 });
const canned = new TextEncoder().encode(JSON.stringify({ ok: true, items: [1, 2, 3] }));
const FAILED: FrontAnswer = { status: 502, headers: {}, body: new Uint8Array(0) };

async function handle(body: Uint8Array): Promise<FrontAnswer> {
  const opened = decapsulateRequest(lookup, body);
  const inner = decodeRequest(opened.request);
  let status = 200;
  let headers: Field[] = [["content-type", "application/json"]];
  let content: Uint8Array = canned;
  if (mode === "forward") {
    const result = await new Promise<Parameters<Parameters<Http1Client["request"]>[1]>[0]>((resolve) =>
      target.request({ method: inner.method, path: inner.path, headers: inner.headers.flat(), body: inner.content }, resolve),
    );
    if (!result.ok) return FAILED;
    ({ status, headers } = result.answer);
    const answer = result.answer.body;
    content = new Uint8Array(answer.buffer, answer.byteOffset, answer.byteLength);
  }
  const sealed = opened.context.encapsulateResponse(encodeResponse({ informational: [], status, headers, content, trailers: [] }));
  return { status: 200, headers: { "content-type": MediaType.OhttpResponse }, body: sealed };
}

new Http1Front({
  paths: ["/gateway"],
  maxBodyBytes: 64 * 1024,
  handle: ({ body }) => handle(body).catch(() => FAILED),
  record: () => undefined,
  // Everything else (the key listing the load generator fetches first) on node:http.
  fallback: (_req, res) => {
    res.writeHead(200, { "content-type": MediaType.OhttpKeys, "content-length": listing.length }).end(listing);
  },
}).listen(Number(portText), "127.0.0.1", () => process.stdout.write("ready\n"));
