/**
 * docs/errors.md is generated from the services' problem tables (`npm run errors-doc`): this
 * test fails when a table changed and the page was not regenerated, and checks what the page
 * promises of the tables themselves.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ERRORS_DOC_PATH, SECTIONS, problemRows, renderErrorsDoc } from "@oblivious/scripts/errors-doc";
import { ROOT } from "@oblivious/scripts/stack";

test("docs/errors.md is the page the problem tables give (else run npm run errors-doc)", () => {
  const onDisk = readFileSync(join(ROOT, ERRORS_DOC_PATH), "utf8");
  assert.equal(onDisk, renderErrorsDoc());
});

test("the page changes when a table changes", () => {
  const [first, ...rest] = SECTIONS;
  assert.ok(first !== undefined);
  const changed = { ...first, table: { ...first.table, extra: { type: "tag:x", title: "Extra", status: 418 } } };
  assert.notEqual(renderErrorsDoc([changed, ...rest]), renderErrorsDoc());
});

test("every row is an error status with a title, and its type and status are in the page", () => {
  const page = renderErrorsDoc();
  const rows = problemRows();
  assert.ok(rows.length > 50, `${rows.length} rows`);
  for (const { code, problem } of rows) {
    assert.ok(problem.status >= 400 && problem.status <= 599, `${code}: ${problem.status}`);
    assert.ok(problem.title.length > 0, code);
    assert.ok(page.includes(`| \`${problem.type}\` | ${problem.status} |`), `${code} is missing from the page`);
  }
});

test("a project-defined type means one status wherever it is used", () => {
  const statusOf = new Map<string, number>();
  for (const { code, problem } of problemRows()) {
    if (problem.type === "about:blank") continue;
    const seen = statusOf.get(problem.type);
    assert.ok(seen === undefined || seen === problem.status, `${problem.type} (${code}) is both ${seen} and ${problem.status}`);
    statusOf.set(problem.type, problem.status);
  }
});
