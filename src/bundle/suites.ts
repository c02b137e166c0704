// A bundle's policy test suites: the files `tests/<name>.test.json|yaml` of the bundle directory. They are
// bundle files like any other — listed and hashed in the manifest, so signed with the policy they test (ADR
// 0012) — and `policy build` runs them before it signs. Pure: it works on the files already read.
import { SUITE_FILE, parseSuite, type Suite } from "../policy/index.ts";

export const SUITES_DIR = "tests";

/** The suites among a bundle's files, by path; a malformed one throws SuiteFormatError. */
export function suitesOf(files: ReadonlyMap<string, Uint8Array>): Suite[] {
  return [...files.keys()]
    .filter((path) => {
      const [dir, name, ...rest] = path.split("/");
      return dir === SUITES_DIR && name !== undefined && rest.length === 0 && SUITE_FILE.test(name);
    })
    .sort()
    .map((path) => parseSuite(path, Buffer.from(files.get(path) ?? new Uint8Array()).toString("utf8")));
}
