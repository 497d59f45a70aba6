/*
 * RFC 9292 §3.1, Figure 1:
 *   Known-Length Content {
 *     Content Length (i),
 *     Content (..),
 *   }
 *
 * RFC 9292 §3.2, Figure 2:
 *   Indeterminate-Length Content {
 *     Indeterminate-Length Content Chunk (..) ...,
 *     Content Terminator (i) = 0,
 *   }
 *
 *   Indeterminate-Length Content Chunk {
 *     Chunk Length (i) = 1..,
 *     Chunk (..),
 *   }
 */
import type { ByteWriter } from "@oblivious/wire";
import type { Cursor } from "./cursor.js";
import { Framing } from "./framing.js";
import type { Budget } from "./limits.js";

/** Writes the content; an indeterminate-length message gets one chunk (none when empty). */
export function writeContent(w: ByteWriter, content: Uint8Array, framing: Framing): void {
  if (framing === Framing.KnownLength) {
    w.varintPrefixed(content);
    return;
  }
  // Chunk Length (i) = 1..: empty content is the terminator alone.
  if (content.length > 0) w.varintPrefixed(content);
  w.varint(0);
}

/**
 * Reads the content, joining the chunks of an indeterminate-length message. The result is a copy,
 * never a view of the input, so callers may keep it after reusing their buffer.
 */
export function readContent(cursor: Cursor, framing: Framing, budget: Budget): Uint8Array {
  if (framing === Framing.KnownLength) {
    const at = cursor.offset;
    const length = cursor.varint();
    budget.content(length, at);
    // A copy, not `.slice()`: on a Buffer input (Node callers) `.slice()` is a view.
    return new Uint8Array(cursor.bytes(length));
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const at = cursor.offset;
    const length = cursor.varint();
    if (length === 0) return join(chunks, size);
    size += length;
    budget.content(size, at);
    chunks.push(cursor.bytes(length));
  }
}

/** Not `concat(...chunks)`: spreading millions of one-byte chunks would overflow the stack. */
function join(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
