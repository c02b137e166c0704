// The real node for the e2e tier: run a command inside a pod's container through the node's containerd (the
// API server cannot reach the kubelet from outside the node's network namespace, so `kubectl exec` and `kubectl
// logs` do not work there), read a container's log from the kubelet's podLogsDir, and check that the tests run
// inside the node's network namespace, the only place its pods and Services can be reached from.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { nodeService, type NodeService } from "./services.ts";

const run = promisify(execFile);

/** Fails unless this process runs in the node's network namespace (scripts/test.sh e2e puts it there). */
export async function requireNodeNamespace(node: NodeService = nodeService()): Promise<void> {
  const [mine, theirs] = await Promise.all([
    readlink("/proc/self/ns/net"),
    run("stat", ["-L", "-c", "%i", `/run/netns/${node.netns}`]).then((r) => r.stdout.trim()),
  ]);
  if (!mine.includes(`[${theirs}]`))
    throw new Error(
      `the e2e tests must run inside the network namespace ${node.netns} (bash scripts/test.sh e2e does that)`,
    );
}

/** Runs `args` in the container (a pod status containerID, "containerd://…") as `user` ("uid:gid"). */
export async function execInContainer(
  containerId: string,
  args: readonly string[],
  options: { user?: string; node?: NodeService } = {},
): Promise<{ stdout: string; stderr: string; code: number }> {
  const node = options.node ?? nodeService();
  const id = containerId.replace(/^containerd:\/\//, "");
  const ctrArgs = [
    "--address",
    node.containerd,
    "--namespace",
    "k8s.io",
    "tasks",
    "exec",
    "--exec-id",
    `e2e-${randomBytes(4).toString("hex")}`,
    ...(options.user !== undefined ? ["--user", options.user] : []),
    id,
    ...args,
  ];
  try {
    const { stdout, stderr } = await run("ctr", ctrArgs, { maxBuffer: 4 * 1024 * 1024 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; code?: number };
    return { stdout: failure.stdout ?? "", stderr: failure.stderr ?? "", code: failure.code ?? 1 };
  }
}

/** Every line a container wrote (all restarts), from the kubelet's log files; "" when it has none yet. */
export async function containerLog(
  namespace: string,
  pod: string,
  container: string,
  node: NodeService = nodeService(),
): Promise<string> {
  const dirs = (await readdir(node.podLogs)).filter((d) => d.startsWith(`${namespace}_${pod}_`));
  let text = "";
  for (const dir of dirs) {
    const files = await readdir(join(node.podLogs, dir, container)).catch(() => []);
    for (const file of files.sort()) text += await readFile(join(node.podLogs, dir, container, file), "utf8");
  }
  return text;
}
