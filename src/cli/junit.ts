// JUnit XML, the format CI systems read test results in (the de facto schema of Ant's JUnit task, as
// Jenkins, GitLab and GitHub reporters parse it): <testsuites> of <testsuite name tests failures> of
// <testcase classname name>, a failed case carrying <failure message>.

export interface JUnitCase {
  readonly classname: string;
  readonly name: string;
  readonly failure?: string;
}

export interface JUnitSuite {
  readonly name: string;
  readonly cases: readonly JUnitCase[];
}

/** Text and attribute escaping, plus the control characters XML 1.0 cannot carry at all. */
function escape(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "\ufffd")
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&apos;")
  );
}

export function junitXml(suites: readonly JUnitSuite[]): string {
  const tests = suites.reduce((n, s) => n + s.cases.length, 0);
  const failures = suites.reduce((n, s) => n + s.cases.filter((c) => c.failure !== undefined).length, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="parmana policy test" tests="${String(tests)}" failures="${String(failures)}" errors="0">`,
  ];
  for (const s of suites) {
    const failed = s.cases.filter((c) => c.failure !== undefined).length;
    lines.push(
      `  <testsuite name="${escape(s.name)}" tests="${String(s.cases.length)}" failures="${String(failed)}" errors="0" skipped="0">`,
    );
    for (const c of s.cases) {
      const open = `    <testcase classname="${escape(c.classname)}" name="${escape(c.name)}"`;
      if (c.failure === undefined) lines.push(`${open}/>`);
      else
        lines.push(
          `${open}>`,
          `      <failure message="${escape(c.failure)}" type="PolicyTestFailure">${escape(c.failure)}</failure>`,
          "    </testcase>",
        );
    }
    lines.push("  </testsuite>");
  }
  lines.push("</testsuites>", "");
  return lines.join("\n");
}
