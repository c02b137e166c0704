export { runCli, packageVersion } from "./main.ts";
export { ExitCode, UsageError, type CliIo } from "./io.ts";
