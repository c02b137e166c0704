// No Docker engine runs here, so the image is checked the plain way: every path deploy/Dockerfile copies
// from the repository exists, and the runtime stage's layout — a production install (`npm ci --omit=dev`),
// the compiled code, bin/ and the example bundle, on a read-only filesystem — runs `parmana --version` and
// verifies the example bundle.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmod, cp, mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../../", import.meta.url));

test("Dockerfile: every path it copies from the repository exists", async () => {
  const dockerfile = await readFile(join(root, "deploy/Dockerfile"), "utf8");
  const copies = dockerfile
    .split("\n")
    .filter((l) => /^COPY\s/.test(l) && !l.includes("--from="))
    .flatMap((l) => l.trim().split(/\s+/).slice(1, -1));
  assert.ok(copies.length >= 8, `found ${String(copies.length)} sources`);
  for (const path of copies) assert.ok(existsSync(join(root, path)), `${path} exists`);
  assert.match(dockerfile, /^USER 10001:10001$/m, "runs as a non-root user");
  assert.match(dockerfile, /^ENTRYPOINT \["node", "\/app\/bin\/parmana\.js"\]$/m);
});

test("Dockerfile: the runtime layout from a production install starts `parmana` on a read-only filesystem", async (t) => {
  const app = await mkdtemp(join(tmpdir(), "parmana-image-"));
  t.after(async () => {
    await chmod(app, 0o755).catch(() => undefined);
    await run("chmod", ["-R", "u+w", app]).catch(() => undefined);
    await rm(app, { recursive: true, force: true });
  });
  for (const file of ["package.json", "package-lock.json"]) await cp(join(root, file), join(app, file));
  await run("npm", ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"], {
    cwd: app,
    maxBuffer: 16 << 20,
  });
  const installed = await readdir(join(app, "node_modules"));
  for (const dev of ["typescript", "eslint", "prettier", "fast-check"])
    assert.ok(!installed.includes(dev), `${dev} is not in the production install`);
  await run(process.execPath, [
    join(root, "node_modules/typescript/bin/tsc"),
    "-p",
    join(root, "tsconfig.build.json"),
    "--outDir",
    join(app, "dist"),
  ]);
  await cp(join(root, "bin"), join(app, "bin"), { recursive: true });
  await cp(join(root, "deploy/examples"), join(app, "deploy/examples"), { recursive: true });
  await run("chmod", ["-R", "a-w", app]);

  const env = { ...process.env, NODE_ENV: "production" };
  const version = await run(process.execPath, [join(app, "bin/parmana.js"), "--version"], { env, cwd: app });
  const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { version: string };
  assert.equal(version.stdout.trim(), pkg.version);
  const verified = await run(
    process.execPath,
    [
      join(app, "bin/parmana.js"),
      "verify",
      "bundle",
      join(app, "deploy/examples/policies/loan-approval/1.2.0"),
      "--trusted-keys",
      join(app, "deploy/examples/keys"),
    ],
    { env, cwd: app },
  );
  assert.match(verified.stdout, /loan-approval/);
  const help = await run(process.execPath, [join(app, "bin/parmana.js"), "help", "operator"], {
    env,
    cwd: app,
  });
  assert.match(help.stdout, /parmana operator/);
});
