/** Request targets (RFC 9112 §3.2.1, origin form: absolute-path [ "?" query ]). */

/** The path of a request target without its query; "/" when there is none. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return "/";
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}
