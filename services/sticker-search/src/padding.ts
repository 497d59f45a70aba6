/**
 * Answers are padded with trailing JSON whitespace (RFC 8259 §2 allows it after the value) to the
 * next power of two, at least 1 KiB, so the size of an answer tells little about the query. The
 * gateway pads the encapsulated answer again; this keeps the origin's own answers uniform too.
 */
export const MIN_BUCKET = 1024;

export function bucketSize(length: number): number {
  let size = MIN_BUCKET;
  while (size < length) size *= 2;
  return size;
}

export function padJson(json: string): Buffer {
  const bytes = Buffer.from(json, "utf8");
  const size = bucketSize(bytes.length);
  if (size === bytes.length) return bytes;
  const out = Buffer.alloc(size, 0x20);
  bytes.copy(out);
  return out;
}
