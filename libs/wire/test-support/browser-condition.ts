/**
 * For the tests of the libraries that run unchanged in Node and in browsers (their `#primitives`
 * chosen per platform, decision 0040): re-runs compiled test files in a child Node that resolves
 * packages as a browser bundler does (`--conditions=browser`), and reads the child's TAP summary.
 *
 * Node-only, behind the package's `./test-support` entry; never part of the library's index.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Set in the child: the platform whose primitives the re-run files must see. */
const PLATFORM_VARIABLE = "OBLIVIOUS_EXPECT_PLATFORM";

/** `"web"` inside a re-run under the browser condition, `"node"` in a plain test run. */
export function expectedPlatform(): "node" | "web" {
  return process.env[PLATFORM_VARIABLE] === "web" ? "web" : "node";
}

export interface ConditionRun {
  readonly pass: number;
  readonly fail: number;
  /** The end of the child's TAP output, for an assertion message. */
  readonly tail: string;
}

/**
 * Runs `<dir>/<name>.test.js` for each name under `--conditions=browser`. The child runs without
 * NODE_TEST_CONTEXT, so it is a test run of its own and reports in TAP. A child whose tests fail
 * exits non-zero: its counts are still returned, for the caller's assertion to show. A count it
 * does not print is -1, so a child that never ran fails any assertion on its counts.
 */
export async function runUnderBrowserCondition(dir: URL, names: readonly string[]): Promise<ConditionRun> {
  const files = names.map((name) => fileURLToPath(new URL(`./${name}.test.js`, dir)));
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const stdout = await run(process.execPath, ["--conditions=browser", "--test", "--test-reporter=tap", ...files], {
    env: { ...env, [PLATFORM_VARIABLE]: "web" },
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    (done) => done.stdout,
    (error: unknown) => {
      const output = (error as { stdout?: unknown }).stdout;
      if (typeof output !== "string") throw error;
      return output;
    },
  );
  const count = (name: string): number => Number(new RegExp(`^# ${name} (\\d+)$`, "m").exec(stdout)?.[1] ?? "-1");
  return { pass: count("pass"), fail: count("fail"), tail: stdout.slice(-3000) };
}
