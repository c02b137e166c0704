// The image the e2e tier built from deploy/Dockerfile (scripts/image.sh) and loaded into the node's containerd,
// run as a plain container: it starts as uid 10001 on a read-only root filesystem, runs `parmana` from its
// entrypoint's path, verifies the example bundle it ships, holds no shell and no npm, and stays within its
// size budget.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { nodeService } from "../support/services.ts";

const run = promisify(execFile);
const node = nodeService();
const version = (
  JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;
const IMAGE = `docker.io/parmana/parmana:${version}`;
/** What the runtime image may weigh (215 MB when this was written: node 121 MB, node_modules 93 MB). */
const SIZE_BUDGET_MIB = 240;

async function inImage(...args: string[]): Promise<string> {
  const ctr = ["--address", node.containerd, "--namespace", "k8s.io", "run", "--rm", "--read-only"];
  const { stdout } = await run(
    "ctr",
    [...ctr, IMAGE, `e2e-image-${randomBytes(4).toString("hex")}`, ...args],
    {
      maxBuffer: 4 * 1024 * 1024,
    },
  );
  return stdout;
}

test("image: parmana runs as uid 10001 on a read-only root, verifies the shipped example bundle, and has no shell or npm", async () => {
  assert.equal((await inImage("node", "/app/bin/parmana.js", "--version")).trim(), version);
  const verified = await inImage(
    "node",
    "/app/bin/parmana.js",
    "verify",
    "bundle",
    "/app/deploy/examples/policies/loan-approval/1.2.0",
    "--trusted-keys",
    "/app/deploy/examples/keys",
  );
  assert.match(verified, /loan-approval/);
  const probe = `
    const fs = require("node:fs");
    let root; try { fs.writeFileSync("/probe", "x"); root = "written"; } catch (e) { root = e.code; }
    console.log(JSON.stringify({
      uid: process.getuid(), gid: process.getgid(), root, env: process.env.NODE_ENV,
      shell: ["/bin/sh", "/bin/bash", "/usr/bin/sh"].some((p) => fs.existsSync(p)),
      npm: fs.existsSync("/usr/local/lib/node_modules/npm"),
      maps: fs.readdirSync("/app/node_modules/@kubernetes/client-node/dist").some((f) => f.endsWith(".map") || f.endsWith(".d.ts")),
    }));`;
  const seen = JSON.parse(await inImage("node", "-e", probe)) as Record<string, unknown>;
  assert.deepEqual(seen, {
    uid: 10001,
    gid: 10001,
    root: "EROFS",
    env: "production",
    shell: false,
    npm: false,
    maps: false,
  });
});

test("image: within its size budget", async () => {
  const { stdout } = await run("ctr", [
    "--address",
    node.containerd,
    "--namespace",
    "k8s.io",
    "images",
    "ls",
  ]);
  const line = stdout.split("\n").find((l) => l.startsWith(`${IMAGE} `));
  assert.ok(line, `${IMAGE} is loaded into the node's containerd`);
  const match = /\s([\d.]+) (KiB|MiB|GiB)\s/.exec(line);
  assert.ok(match?.[1] && match[2], line);
  const unit = { KiB: 1 / 1024, MiB: 1, GiB: 1024 }[match[2] as "KiB" | "MiB" | "GiB"];
  const mib = Number(match[1]) * unit;
  assert.ok(
    mib <= SIZE_BUDGET_MIB,
    `the image is ${mib.toFixed(1)} MiB, over its ${String(SIZE_BUDGET_MIB)} MiB budget`,
  );
});
