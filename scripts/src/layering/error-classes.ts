/**
 * The error-class rule (issue 16, STYLE.md): every error class is named with the `Error` suffix
 * and carries a `code` from a closed set, which in this workspace means it extends wire's
 * `CodedError<C>` (directly or through another such class) with `C` a named union or string
 * literals, never `string`. A class is an error class when it extends `Error`, any class whose
 * name ends in `Error`, or another error class.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stripComments } from "./source.js";

interface ClassDecl {
  readonly file: string;
  readonly name: string;
  readonly base: string;
  /** The base's type arguments as written, or undefined when there are none. */
  readonly typeArgs: string | undefined;
}

const CLASS = /\bclass\s+([A-Za-z_$][\w$]*)(?:\s*<[^{]*?>)?\s+extends\s+([A-Za-z_$][\w$.]*)\s*(?:<([^{]*?)>)?\s*(?:implements\s[^{]*)?\{/g;

function declarations(root: string, files: readonly string[]): ClassDecl[] {
  const found: ClassDecl[] = [];
  for (const file of files) {
    // Quoted strings go first (a test's fixture may spell a class), then comments.
    const code = stripComments(readFileSync(join(root, file), "utf8").replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, '""'));
    for (const m of code.matchAll(CLASS)) found.push({ file, name: m[1] ?? "", base: m[2] ?? "", typeArgs: m[3]?.trim() });
  }
  return found;
}

/** A code type that names a closed set: a type name or string literals, not `string` or `any`. */
function closedCodeType(typeArgs: string | undefined): boolean {
  if (typeArgs === undefined) return false;
  const parts = typeArgs.split("|").map((p) => p.trim());
  return parts.every((p) => /^"[^"]*"$|^'[^']*'$/.test(p) || (/^[A-Za-z_$][\w$.]*$/.test(p) && p !== "string" && p !== "any" && p !== "unknown"));
}

/** Every error class that breaks the rule, as `file: Name <what is wrong>`, over the packages' sources (tests included). */
export function errorClassGaps(root: string, packages: readonly { readonly sources: readonly string[] }[]): string[] {
  const decls = declarations(root, packages.flatMap((p) => p.sources));
  const byName = new Map<string, ClassDecl[]>();
  for (const d of decls) byName.set(d.name, [...(byName.get(d.name) ?? []), d]);
  const seen = new Map<ClassDecl, boolean>();
  /** Whether a base name leads to CodedError through coded classes only. */
  const codedBase = (base: string, typeArgs: string | undefined, depth: number): boolean => {
    if (base === "CodedError") return closedCodeType(typeArgs);
    const local = byName.get(base) ?? [];
    return depth < 16 && local.length > 0 && local.every((d) => coded(d, depth + 1));
  };
  const coded = (d: ClassDecl, depth = 0): boolean => {
    const known = seen.get(d);
    if (known !== undefined) return known;
    const result = codedBase(d.base, d.typeArgs, depth);
    seen.set(d, result);
    return result;
  };
  const isError = (d: ClassDecl, depth = 0): boolean =>
    d.base === "Error" || d.base.endsWith("Error") || (depth < 16 && (byName.get(d.base) ?? []).some((b) => isError(b, depth + 1)));
  const gaps: string[] = [];
  for (const d of decls.filter((x) => x.name !== "CodedError" && isError(x))) {
    if (!d.name.endsWith("Error")) gaps.push(`${d.file}: ${d.name} has no Error suffix`);
    if (!coded(d)) gaps.push(`${d.file}: ${d.name} has no code from a closed set (extend CodedError<Code>)`);
  }
  return gaps;
}
