// The real test cluster for TypeScript tests: a KubeConfig for it, a fresh namespace per test (deleted
// afterwards), and small waits that poll the API server with a deadline.
import { randomBytes } from "node:crypto";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiException, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { kubernetesService, usingService, type KubernetesService } from "./services.ts";

const run = promisify(execFile);

export function kubeConfig(service: KubernetesService = kubernetesService()): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(service.kubeconfig);
  return kc;
}

/** The HTTP status of a failed API call, or undefined when the error did not come from the API server. */
export function apiStatus(error: unknown): number | undefined {
  return error instanceof ApiException ? (error as ApiException<unknown>).code : undefined;
}

/** A new namespace for this test, deleted (with everything in it) when the test ends. */
export async function testNamespace(t: TestContext, kc: KubeConfig, prefix = "test"): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString("hex")}`;
  const core = kc.makeApiClient(CoreV1Api);
  await usingService(kubernetesService(), () =>
    core.createNamespace({ body: { metadata: { name, labels: { "parmana.io/test": "true" } } } }),
  );
  t.after(async () => {
    await core.deleteNamespace({ name }).catch((error: unknown) => {
      if (apiStatus(error) !== 404) throw error;
    });
  });
  return name;
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` saying what. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = undefined; // only the latest attempt's error explains a timeout
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? `; last error: ${last.message}` : "";
      throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}${detail}`);
    }
    await sleep(intervalMs);
  }
}

/** Runs a tool from the harness (kubectl, helm, promtool) against the test cluster. */
export async function tool(
  name: "kubectl" | "helm" | "promtool",
  args: readonly string[],
  service: KubernetesService = kubernetesService(),
): Promise<{ stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    KUBECONFIG: service.kubeconfig,
    PATH: `${service.bin}:${process.env["PATH"] ?? ""}`,
  };
  try {
    return await run(`${service.bin}/${name}`, [...args], { env, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const failure = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(
      `${name} ${args.join(" ")} failed: ${failure.stderr ?? ""}${failure.stdout ?? ""}`.trim(),
      {
        cause: error,
      },
    );
  }
}
