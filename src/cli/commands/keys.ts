// parmana keys generate --out DIR [--name NAME] [--force]
import { mkdir, writeFile, access } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { generateSigningKeyPair } from "../../crypto/index.ts";
import { ExitCode, UsageError, printJson, type CliIo } from "../io.ts";

export const KEYS_USAGE = `Usage: parmana keys generate --out DIR [--name NAME] [--force] [--json]

Writes an Ed25519 key pair: DIR/NAME.key (PKCS#8 PEM, mode 0600) and DIR/NAME.pub (SPKI PEM).
NAME defaults to "signer". Existing files are never overwritten unless --force is given.`;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export async function keysCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "generate")
    throw new UsageError(
      sub === undefined ? "keys needs a subcommand: generate" : `unknown keys subcommand '${sub}'`,
    );
  const { values } = parseArgs({
    args: [...rest],
    options: {
      out: { type: "string" },
      name: { type: "string", default: "signer" },
      force: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  if (values.out === undefined) throw new UsageError("keys generate needs --out DIR");
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(values.name))
    throw new UsageError("--name may hold letters, digits, '.', '_' and '-'");
  const privatePath = join(values.out, `${values.name}.key`);
  const publicPath = join(values.out, `${values.name}.pub`);
  if (!values.force && ((await exists(privatePath)) || (await exists(publicPath)))) {
    throw new UsageError(`${privatePath} or ${publicPath} already exists; pass --force to replace it`);
  }
  const pair = generateSigningKeyPair();
  await mkdir(values.out, { recursive: true, mode: 0o700 });
  await writeFile(privatePath, pair.privateKeyPem, { mode: 0o600 });
  await writeFile(publicPath, pair.publicKeyPem, { mode: 0o644 });
  if (values.json) printJson(io, { keyId: pair.keyId, privateKey: privatePath, publicKey: publicPath });
  else {
    io.out(`key id:      ${pair.keyId}`);
    io.out(`private key: ${privatePath} (keep it secret)`);
    io.out(`public key:  ${publicPath} (put it in the trusted keys)`);
  }
  return ExitCode.ok;
}
