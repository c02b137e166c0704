// parmana get|status|reconcile|suspend|resume (pb|gs) [NAME]: what a person asks of the operator's objects,
// through the Kubernetes API (the kubeconfig's current context, as kubectl; also `kubectl parmana …`).
// Every answer comes from the object's own status: the operator is the only one who decides.
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import {
  KubeClient,
  RECONCILE_REQUESTED_AT,
  ResourceTypes,
  summarize,
  type KubeObject,
  type ObjectKind,
  type Summary,
} from "../../operator/index.ts";
import { ExitCode, UsageError, printJson, type CliIo } from "../io.ts";

export const OBJECTS_USAGE = `Usage:
  parmana get       (pb|gs) [NAME] [-n NS] [--json]     a table of the objects (all of the kind when no NAME)
  parmana status    (pb|gs) NAME [-n NS]                one line: ready, or why not and what to do
  parmana reconcile (pb|gs) NAME [-n NS] [--wait] [--timeout DURATION]
                                                        ask the operator to reconcile now (annotation
                                                        ${RECONCILE_REQUESTED_AT});
                                                        --wait returns once it handled that request
  parmana suspend   (pb|gs) NAME [-n NS]                stop the operator changing it (spec.suspend: true)
  parmana resume    (pb|gs) NAME [-n NS] [--wait] [--timeout DURATION]
                                                        reconcile it again; --wait until that is done

  pb = policybundle(s), gs = governanceserver(s). Common options: --kubeconfig FILE (default: $KUBECONFIG,
  then ~/.kube/config, then in-cluster), -n/--namespace NS (default: the context's namespace, else default).
  --timeout takes 90s, 5m or seconds (default 60s). Also installed as the kubectl plugin \`kubectl parmana\`.

Exit codes: 0 ready (or done); 1 not ready, or suspended where that refuses the request (the line says why);
2 usage error, or no such object; 3 --wait timed out; 4 the API server could not be reached or refused.`;

const KINDS: Record<string, ObjectKind> = {
  pb: "PolicyBundle",
  policybundle: "PolicyBundle",
  policybundles: "PolicyBundle",
  gs: "GovernanceServer",
  governanceserver: "GovernanceServer",
  governanceservers: "GovernanceServer",
};
const TYPES = { PolicyBundle: ResourceTypes.policyBundle, GovernanceServer: ResourceTypes.governanceServer };
const CLI_FIELD_MANAGER = "parmana-cli";
export const Exit = { ...ExitCode, timedOut: 3, api: 4 } as const;

type Verb = "get" | "status" | "reconcile" | "suspend" | "resume";

interface Target {
  readonly client: KubeClient;
  readonly kind: ObjectKind;
  readonly namespace: string;
  readonly name: string | undefined;
  readonly wait: boolean;
  readonly timeoutMs: number;
  readonly json: boolean;
}

type Watched = KubeObject &
  Parameters<typeof summarize>[1] & { status?: { lastHandledReconcileAt?: string } };

export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match?.[1]) throw new UsageError(`--timeout ${text}: give a duration such as 90s, 5m or 120`);
  const unit = { ms: 1, s: 1_000, m: 60_000 }[(match[2] ?? "s") as "ms" | "s" | "m"];
  return Math.round(Number(match[1]) * unit);
}

function target(verb: Verb, args: readonly string[]): Target {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      namespace: { type: "string", short: "n" },
      kubeconfig: { type: "string" },
      wait: { type: "boolean", default: false },
      timeout: { type: "string", default: "60s" },
      json: { type: "boolean", default: false },
    },
  });
  const [kindWord, name, extra] = positionals;
  const kind = kindWord === undefined ? undefined : KINDS[kindWord.toLowerCase()];
  if (!kind) throw new UsageError(`${verb} needs a kind: pb or gs${kindWord ? ` (not '${kindWord}')` : ""}`);
  if (name === undefined && verb !== "get") throw new UsageError(`${verb} needs the object's NAME`);
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  const client = KubeClient.load(values.kubeconfig ?? process.env["KUBECONFIG"], {
    fieldManager: CLI_FIELD_MANAGER,
  });
  const contextNamespace = client.config.getContextObject(client.config.getCurrentContext())?.namespace;
  return {
    client,
    kind,
    namespace: values.namespace ?? contextNamespace ?? "default",
    name,
    wait: values.wait,
    timeoutMs: parseDuration(values.timeout),
    json: values.json,
  };
}

async function read(t: Target, name: string): Promise<Watched | undefined> {
  return t.client.get<Watched>(TYPES[t.kind], t.namespace, name);
}

function age(object: KubeObject): string {
  const stamp = object.metadata.creationTimestamp;
  const created = stamp === undefined ? Number.NaN : new Date(stamp).getTime();
  if (Number.isNaN(created)) return "?";
  const s = Math.max(0, Math.floor((Date.now() - created) / 1000));
  return s < 120
    ? `${String(s)}s`
    : s < 7_200
      ? `${String(Math.floor(s / 60))}m`
      : `${String(Math.floor(s / 3_600))}h`;
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}

async function get(t: Target, io: CliIo): Promise<number> {
  const objects = t.name
    ? [await read(t, t.name)].filter((o): o is Watched => o !== undefined)
    : (await t.client.list<Watched>(TYPES[t.kind], t.namespace)).items;
  if (t.name && objects.length === 0) return notFound(t, t.name, io);
  if (t.json) {
    printJson(io, objects);
    return ExitCode.ok;
  }
  if (objects.length === 0) {
    io.err(`no ${t.kind} in namespace ${t.namespace}`);
    return ExitCode.ok;
  }
  const rows = objects.map((o) => {
    const s = summarize(t.kind, o);
    return [
      o.metadata.name,
      s.ready ? "True" : "False",
      s.suspended ? "True" : "False",
      s.reason,
      age(o),
      s.line,
    ];
  });
  for (const line of table([["NAME", "READY", "SUSPENDED", "REASON", "AGE", "STATUS"], ...rows]))
    io.out(line);
  return ExitCode.ok;
}

function notFound(t: Target, name: string, io: CliIo): number {
  io.err(`${t.kind} ${t.namespace}/${name} not found`);
  return ExitCode.usage;
}

function report(t: Target, name: string, s: Summary, io: CliIo): number {
  io.out(`${t.kind} ${t.namespace}/${name}: ${s.line}`);
  return s.ready ? ExitCode.ok : ExitCode.failed;
}

/** Reasons that mean "still getting there": --wait goes on waiting through them. */
const PASSING = new Set(["RollingOut", "NotObserved"]);
const settled = (s: Summary): boolean => s.ready || !PASSING.has(s.reason);

/** Polls until `done` says the object is there and it is ready or stuck (or the timeout passes). */
async function waitFor(
  t: Target,
  name: string,
  what: string,
  done: (o: Watched) => boolean,
  io: CliIo,
): Promise<number> {
  const deadline = Date.now() + t.timeoutMs;
  for (;;) {
    const object = await read(t, name);
    if (!object) return notFound(t, name, io);
    const summary = summarize(t.kind, object);
    if (done(object) && settled(summary)) return report(t, name, summary, io);
    if (Date.now() > deadline) {
      io.err(`timed out after ${String(t.timeoutMs / 1000)} s waiting for the operator to ${what}`);
      io.err(`${t.kind} ${t.namespace}/${name}: ${summarize(t.kind, object).line}`);
      return Exit.timedOut;
    }
    await sleep(500);
  }
}

async function patch(t: Target, name: string, body: Record<string, unknown>): Promise<void> {
  await t.client.apply(TYPES[t.kind], { metadata: { name, namespace: t.namespace }, ...body });
}

async function act(verb: Verb, t: Target, name: string, io: CliIo): Promise<number> {
  const object = await read(t, name);
  if (!object) return notFound(t, name, io);
  const summary = summarize(t.kind, object);
  switch (verb) {
    case "status":
      return report(t, name, summary, io);
    case "suspend":
      await patch(t, name, { spec: { suspend: true } });
      io.out(`${t.kind} ${t.namespace}/${name} suspended`);
      return ExitCode.ok;
    case "resume": {
      await patch(t, name, { spec: { suspend: false } });
      io.out(`${t.kind} ${t.namespace}/${name} resumed`);
      if (!t.wait) return ExitCode.ok;
      const after = await read(t, name);
      const generation = after?.metadata.generation ?? 0;
      return waitFor(
        t,
        name,
        "reconcile it",
        (o) => (o.status?.observedGeneration ?? 0) >= generation && !summarize(t.kind, o).suspended,
        io,
      );
    }
    case "reconcile": {
      if (summary.suspended) {
        io.err(`${t.kind} ${t.namespace}/${name} is suspended: resume it first (\`parmana resume ...\`)`);
        return ExitCode.failed;
      }
      const token = new Date().toISOString();
      await patch(t, name, {
        metadata: { name, namespace: t.namespace, annotations: { [RECONCILE_REQUESTED_AT]: token } },
      });
      io.out(`${t.kind} ${t.namespace}/${name}: reconcile requested at ${token}`);
      if (!t.wait) return ExitCode.ok;
      return waitFor(
        t,
        name,
        `handle the request ${token}`,
        (o) => o.status?.lastHandledReconcileAt === token,
        io,
      );
    }
    case "get":
      return get(t, io);
  }
}

/** The five verbs share parsing, the client and the error report. */
export function objectsCommand(verb: Verb): (args: readonly string[], io: CliIo) => Promise<number> {
  return async (args, io) => {
    const t = target(verb, args);
    try {
      return verb === "get" ? await get(t, io) : await act(verb, t, t.name ?? "", io);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      io.err(
        `parmana ${verb}: the API server could not be reached or refused: ${error instanceof Error ? error.message : String(error)}`,
      );
      return Exit.api;
    }
  };
}
