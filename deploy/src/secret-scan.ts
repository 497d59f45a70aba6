/**
 * Does a configuration entry look like a secret? Names first (ending in `_KEY`, `_KEYS`,
 * `_PASSWORD`, `_SECRET`, `_TOKEN`, ...; a `*_KEY_FILE` holding a path is fine), then values: PEM blocks, private JWK members, credentials
 * in URLs, password directives in config files, and long random-looking strings. The reason
 * never repeats the value.
 */
const SECRET_NAME = /(^|[_.-])(KEYS?|PASSWORD|PASSWD|PASS|SECRET|TOKEN|CREDENTIALS?)(_(FILE|PATH|DIR))?$/i;
const FILE_NAME = /_(FILE|PATH|DIR)$/i;
const PEM = /-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE|KEY)-----/;
const PRIVATE_JWK = /"(d|p|q|dp|dq|qi|k)"\s*:\s*"/;
const URL_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i;
// A directive whose value is a shell expansion (`requirepass ${password}`, `password=$(cat FILE)`)
// names where the secret comes from at run time; it holds none.
const PASSWORD_DIRECTIVE = /^\s*(requirepass|masterauth|password|passwd|secret)\b(?:\s*[=:]\s*|\s+)(?!["']?\$)\S/im;
const RANDOM_RUN = /[A-Za-z0-9+/_=-]{32,}/g;

function looksRandom(run: string): boolean {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((r) => r.test(run)).length;
  return classes >= 3 || /^[0-9a-f]{40,}$/i.test(run);
}

export function secretLikeReason(name: string, value: string): string | undefined {
  if (SECRET_NAME.test(name) && !(FILE_NAME.test(name) && value.startsWith("/"))) return "the name says it is a secret";
  if (PEM.test(value)) return "holds a PEM block";
  if (PRIVATE_JWK.test(value)) return "holds a private JWK member";
  if (URL_PASSWORD.test(value)) return "holds a URL with a password";
  if (PASSWORD_DIRECTIVE.test(value)) return "holds a password directive";
  if ((value.match(RANDOM_RUN) ?? []).some(looksRandom)) return "holds a long random-looking string";
  return undefined;
}
