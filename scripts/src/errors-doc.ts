/**
 * `npm run errors-doc`: writes docs/errors.md from the services' problem tables;
 * `npm run errors-doc -- --check` exits 1 when the page on disk is out of date.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ERRORS_DOC_PATH, renderErrorsDoc } from "./errors-doc/render.js";
import { ROOT } from "./stack.js";

const path = join(ROOT, ERRORS_DOC_PATH);
const text = renderErrorsDoc();
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(path, "utf8");
  } catch {
    // A missing page is out of date.
  }
  if (current !== text) {
    console.error(`${ERRORS_DOC_PATH} is out of date: run npm run errors-doc`);
    process.exitCode = 1;
  }
} else {
  writeFileSync(path, text);
  console.log(`wrote ${ERRORS_DOC_PATH}`);
}
