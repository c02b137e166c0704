export { runCli, packageVersion, ExitCode, type CliIo } from "./main.ts";
