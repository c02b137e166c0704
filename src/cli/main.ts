// The `parmana` command: parses the command word and hands the rest to that command. Commands share the
// verification and signing code with the server and the operator; nothing is reimplemented here.
import { packageVersion } from "../version.ts";
import { ExitCode, UsageError, type CliIo } from "./io.ts";

const USAGE = `Usage: parmana <command> [options]

Commands:
  dev                run the governance server on embedded defaults (try it out)
  server             run the governance server (production configuration from the environment)
  operator           run the Kubernetes operator (PolicyBundle verification, GovernanceServer rollout)
  get, status        the PolicyBundles (pb) and GovernanceServers (gs) in a cluster: ready, or why not
  reconcile          ask the operator to reconcile one now (--wait until it has)
  suspend, resume    stop and restart the operator changing one
  audit verify-chain check the security-event hash chain in the audit database
  keys generate      create an Ed25519 signing key pair
  policy compile     check a policy (POL-xxx errors with file, JSON path and fix)
  policy build       compile, write the bundle manifest with the next revision, and sign it
  policy sign        add a signature to a built bundle (multi-signature trust)
  verify bundle      verify a bundle against trusted keys
  verify attestation verify a decision attestation offline
  version            print the version
  help [command]     show help

Exit codes: 0 ok, 1 verification or compilation failed (or, for get/status/reconcile/resume, not ready),
2 usage or input error; get/status/reconcile/resume also 3 (--wait timed out) and 4 (API server unreachable).
Also installed as the kubectl plugin \`kubectl parmana\`.`;

interface Command {
  run: (args: readonly string[], io: CliIo) => Promise<number>;
  usage: string;
}

// Each command's module is loaded only when that command runs (or its help is asked for): the operator's
// Kubernetes client alone takes 0.7 s to load, and `parmana server` (a pod's start) or `--version` need none of it.
const commands: Record<string, () => Promise<Command>> = {
  keys: async () => {
    const m = await import("./commands/keys.ts");
    return { run: m.keysCommand, usage: m.KEYS_USAGE };
  },
  policy: async () => {
    const m = await import("./commands/policy.ts");
    return { run: m.policyCommand, usage: m.POLICY_USAGE };
  },
  verify: async () => {
    const m = await import("./commands/verify.ts");
    return { run: m.verifyCommand, usage: m.VERIFY_USAGE };
  },
  server: async () => {
    const m = await import("./commands/server.ts");
    return { run: m.serverCommand, usage: m.SERVER_USAGE };
  },
  dev: async () => {
    const m = await import("./commands/server.ts");
    return { run: m.devCommand, usage: m.DEV_USAGE };
  },
  audit: async () => {
    const m = await import("./commands/audit.ts");
    return { run: m.auditCommand, usage: m.AUDIT_USAGE };
  },
  operator: async () => {
    const m = await import("./commands/operator.ts");
    return { run: m.operatorCommand, usage: m.OPERATOR_USAGE };
  },
  ...Object.fromEntries(
    (["get", "status", "reconcile", "suspend", "resume"] as const).map((verb) => [
      verb,
      async (): Promise<Command> => {
        const m = await import("./commands/objects.ts");
        return { run: m.objectsCommand(verb), usage: m.OBJECTS_USAGE };
      },
    ]),
  ),
};

const commandNamed = (word: string): (() => Promise<Command>) | undefined =>
  Object.hasOwn(commands, word) ? commands[word] : undefined;

function isUsageError(error: unknown): error is Error {
  // parseArgs reports unknown or malformed options with ERR_PARSE_ARGS_* codes.
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof UsageError || (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"));
}

/** Answers --version and help; returns undefined when `word` names a command to run. */
async function answerMeta(
  word: string | undefined,
  rest: readonly string[],
  io: CliIo,
): Promise<number | undefined> {
  if (word === "--version" || word === "-v" || word === "version") {
    io.out(packageVersion());
    return ExitCode.ok;
  }
  if (word === undefined || word === "help" || word === "--help" || word === "-h") {
    const topic = word === "help" && rest[0] !== undefined ? commandNamed(rest[0]) : undefined;
    io.out(topic ? (await topic()).usage : USAGE);
    return ExitCode.ok;
  }
  return undefined;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [word, ...rest] = argv;
  const answered = await answerMeta(word, rest, io);
  if (answered !== undefined || word === undefined) return answered ?? ExitCode.ok;
  const load = commandNamed(word);
  if (!load) {
    io.err(`parmana: unknown command '${word}'`);
    io.err("Run 'parmana --help' for the commands.");
    return ExitCode.usage;
  }
  const command = await load();
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(command.usage);
    return ExitCode.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (!isUsageError(error)) throw error;
    io.err(`parmana ${word}: ${error.message}`);
    io.err(`Run 'parmana help ${word}' for usage.`);
    return ExitCode.usage;
  }
}
