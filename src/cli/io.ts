// What a command may touch of the process: two output streams. Exit codes are shared by every command.

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** 0 ok, 1 a check failed (verification, compilation), 2 usage or input error. */
export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A usage or input problem: reported on stderr, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}
