/** Media types of Oblivious HTTP (RFC 9458 Section 9). */
export const MediaType = {
  /** An Encapsulated Request (RFC 9458 Section 9.2). */
  OhttpRequest: "message/ohttp-req",
  /** An Encapsulated Response (RFC 9458 Section 9.3). */
  OhttpResponse: "message/ohttp-res",
  /** A list of key configurations (RFC 9458 Sections 3.2 and 9.1). */
  OhttpKeys: "application/ohttp-keys",
} as const;
export type MediaType = (typeof MediaType)[keyof typeof MediaType];
