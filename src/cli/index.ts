export { runCli } from "./main.ts";
export { packageVersion } from "../version.ts";
export { ExitCode, UsageError, type CliIo } from "./io.ts";
