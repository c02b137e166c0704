// PARMANA_SIGNING_MODE=batched: the decisions that reach signing together — in the same turn of the event loop,
// or within a short wait — are signed as one batch (one Ed25519 signature over a Merkle root, self-checked once;
// see attest/batch.ts), bounded by a count. Each caller still gets its own attestation, verifiable alone, and
// only after the batch's self-check passed. A batch that cannot be built (an input that does not canonicalise)
// is signed again one by one, so that one bad input fails only its own decision.
import {
  checkAttestationBatch,
  signAttestationBatch,
  type Attestation,
  type AttestationInput,
} from "../attest/index.ts";
import type { SigningKey } from "../crypto/index.ts";
import { issueAlone, SelfCheckFailedError, type AttestationIssuer } from "./issuer.ts";

export interface BatchOptions {
  /** The most attestations one signature covers. */
  readonly maxBatch: number;
  /** How long the first decision of a batch waits for others; 0: until the end of this event-loop turn. */
  readonly maxWaitMs: number;
  /** Told each batch's size once it is signed and checked (a metric). */
  readonly onBatch?: (size: number) => void;
}

interface Waiting {
  readonly input: AttestationInput;
  readonly resolve: (attestation: Attestation) => void;
  readonly reject: (error: unknown) => void;
}

export class BatchingIssuer implements AttestationIssuer {
  readonly #signer: SigningKey;
  readonly #options: BatchOptions;
  #waiting: Waiting[] = [];
  #scheduled: NodeJS.Immediate | NodeJS.Timeout | undefined;

  constructor(signer: SigningKey, options: BatchOptions) {
    if (!Number.isSafeInteger(options.maxBatch) || options.maxBatch < 1)
      throw new RangeError(`maxBatch ${String(options.maxBatch)} must be a positive integer`);
    this.#signer = signer;
    this.#options = options;
  }

  issue(input: AttestationInput): Promise<Attestation> {
    return new Promise<Attestation>((resolve, reject) => {
      this.#waiting.push({ input, resolve, reject });
      if (this.#waiting.length >= this.#options.maxBatch) this.#flush();
      else this.#scheduled ??= this.#schedule();
    });
  }

  #schedule(): NodeJS.Immediate | NodeJS.Timeout {
    const flush = (): void => {
      this.#flush();
    };
    return this.#options.maxWaitMs > 0 ? setTimeout(flush, this.#options.maxWaitMs) : setImmediate(flush);
  }

  #flush(): void {
    if (this.#scheduled !== undefined) {
      clearTimeout(this.#scheduled as NodeJS.Timeout);
      clearImmediate(this.#scheduled as NodeJS.Immediate);
      this.#scheduled = undefined;
    }
    const batch = this.#waiting;
    this.#waiting = [];
    if (batch.length > 0) this.#sign(batch);
  }

  #sign(batch: readonly Waiting[]): void {
    let signed;
    try {
      signed = signAttestationBatch(
        batch.map((w) => w.input),
        this.#signer,
      );
    } catch {
      this.#signAlone(batch);
      return;
    }
    if (!checkAttestationBatch(signed, this.#signer.publicKey)) {
      for (const w of batch) w.reject(new SelfCheckFailedError());
      return;
    }
    this.#options.onBatch?.(batch.length);
    batch.forEach((w, i) => {
      w.resolve(signed.attestations[i] as Attestation);
    });
  }

  #signAlone(batch: readonly Waiting[]): void {
    for (const w of batch) {
      try {
        w.resolve(issueAlone(w.input, this.#signer));
      } catch (error) {
        w.reject(error);
      }
    }
  }
}
