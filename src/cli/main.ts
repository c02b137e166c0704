// The `parmana` command: parses arguments and hands off to the command that was asked for.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Exit codes shared by every command: 0 ok, 1 a check failed, 2 usage or input error. */
export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;

const USAGE = `Usage: parmana <command> [options]

Commands available in this build:
  help             show this help
  version          print the version

Options:
  -h, --help       show this help
  -v, --version    print the version`;

export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return manifest.version;
}

export function runCli(argv: readonly string[], io: CliIo): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "v" } },
    });
  } catch (error) {
    io.err(`parmana: ${error instanceof Error ? error.message : String(error)}`);
    io.err("Run 'parmana --help' for usage.");
    return ExitCode.usage;
  }
  const [command] = parsed.positionals;
  if (parsed.values.version === true || command === "version") {
    io.out(packageVersion());
    return ExitCode.ok;
  }
  if (parsed.values.help === true || command === undefined || command === "help") {
    io.out(USAGE);
    return ExitCode.ok;
  }
  io.err(`parmana: unknown command '${command}'`);
  io.err("Run 'parmana --help' for the commands in this build.");
  return ExitCode.usage;
}
