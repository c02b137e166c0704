// The package's version, read once from package.json (two levels up from src/ and from dist/ alike).
import { readFileSync } from "node:fs";

let cached: string | undefined;

export function packageVersion(): string {
  cached ??= (
    JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
  ).version;
  return cached;
}
