/** Every text form in which secret bytes could leak into a log line, a body or a key name. */
export function textForms(bytes: Uint8Array): string[] {
  const b = Buffer.from(bytes);
  const hex = b.toString("hex");
  return [hex, hex.toUpperCase(), b.toString("base64url"), b.toString("base64").replace(/=+$/, "")];
}
