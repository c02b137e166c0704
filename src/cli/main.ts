// The `parmana` command: parses the command word and hands the rest to that command. Commands share the
// verification and signing code with the server and the operator; nothing is reimplemented here.
import { packageVersion } from "../version.ts";
import { keysCommand, KEYS_USAGE } from "./commands/keys.ts";
import { policyCommand, POLICY_USAGE } from "./commands/policy.ts";
import { verifyCommand, VERIFY_USAGE } from "./commands/verify.ts";
import { devCommand, DEV_USAGE, serverCommand, SERVER_USAGE } from "./commands/server.ts";
import { auditCommand, AUDIT_USAGE } from "./commands/audit.ts";
import { operatorCommand, OPERATOR_USAGE } from "./commands/operator.ts";
import { ExitCode, UsageError, type CliIo } from "./io.ts";

const USAGE = `Usage: parmana <command> [options]

Commands:
  dev                run the governance server on embedded defaults (try it out)
  server             run the governance server (production configuration from the environment)
  operator           run the Kubernetes operator (PolicyBundle verification, GovernanceServer rollout)
  audit verify-chain check the security-event hash chain in the audit database
  keys generate      create an Ed25519 signing key pair
  policy compile     check a policy (POL-xxx errors with file, JSON path and fix)
  policy build       compile, write the bundle manifest with the next revision, and sign it
  policy sign        add a signature to a built bundle (multi-signature trust)
  verify bundle      verify a bundle against trusted keys
  verify attestation verify a decision attestation offline
  version            print the version
  help [command]     show help

Exit codes: 0 ok, 1 verification or compilation failed, 2 usage or input error.`;

const commands: Record<
  string,
  { run: (args: readonly string[], io: CliIo) => Promise<number>; usage: string }
> = {
  keys: { run: keysCommand, usage: KEYS_USAGE },
  policy: { run: policyCommand, usage: POLICY_USAGE },
  verify: { run: verifyCommand, usage: VERIFY_USAGE },
  server: { run: serverCommand, usage: SERVER_USAGE },
  dev: { run: devCommand, usage: DEV_USAGE },
  audit: { run: auditCommand, usage: AUDIT_USAGE },
  operator: { run: operatorCommand, usage: OPERATOR_USAGE },
};

function isUsageError(error: unknown): error is Error {
  // parseArgs reports unknown or malformed options with ERR_PARSE_ARGS_* codes.
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof UsageError || (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"));
}

/** Answers --version and help; returns undefined when `word` names a command to run. */
function answerMeta(word: string | undefined, rest: readonly string[], io: CliIo): number | undefined {
  if (word === "--version" || word === "-v" || word === "version") {
    io.out(packageVersion());
    return ExitCode.ok;
  }
  if (word === undefined || word === "help" || word === "--help" || word === "-h") {
    const topic = word === "help" && rest[0] !== undefined ? commands[rest[0]] : undefined;
    io.out(topic ? topic.usage : USAGE);
    return ExitCode.ok;
  }
  return undefined;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [word, ...rest] = argv;
  const answered = answerMeta(word, rest, io);
  if (answered !== undefined || word === undefined) return answered ?? ExitCode.ok;
  const command = Object.hasOwn(commands, word) ? commands[word] : undefined;
  if (!command) {
    io.err(`parmana: unknown command '${word}'`);
    io.err("Run 'parmana --help' for the commands.");
    return ExitCode.usage;
  }
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
