// Process entry point for bin/parmana.js: wires runCli to the real stdout, stderr and exit code.
import { runCli } from "./main.ts";

process.exitCode = runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
