/**
 * The shape of every error class in this project: an `Error` subclass named with the `Error`
 * suffix whose `code` comes from a closed set (an `as const` table and its union type), so a
 * caller maps codes to answers without reading messages. Messages are fixed per code; a detail
 * may name the item or argument at fault, never a value read from the input or key material.
 */
export abstract class CodedError<C extends string> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The fixed message of a library's code, `<library>: <code>`, then `: <detail>` when there is one. */
export function codedMessage(library: string, code: string, detail?: string): string {
  return detail === undefined ? `${library}: ${code}` : `${library}: ${code}: ${detail}`;
}
