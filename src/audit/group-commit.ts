// Group commit: concurrent writes share one INSERT and one commit. Every caller still waits for the commit
// that holds its row, so durability is unchanged; only the round trips and WAL flushes are shared.

/** A batch write's answer: nothing (all written), or per item an error to reject it with (undefined: written). */
export type BatchOutcome = readonly (Error | undefined)[] | undefined;

interface Pending<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommit<T> {
  readonly #write: (items: readonly T[]) => Promise<BatchOutcome>;
  readonly #writeOne: (item: T) => Promise<void>;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  readonly #queue: Pending<T>[] = [];
  #inFlight = 0;

  /**
   * `write` stores a batch in one statement and may refuse single items by returning an error for each (a
   * duplicate key, without failing the batch); when it fails as a whole, each item of the batch is retried
   * alone with `writeOne`, so that one bad row fails only its own caller.
   */
  constructor(
    write: (items: readonly T[]) => Promise<BatchOutcome>,
    writeOne: (item: T) => Promise<void>,
    options: { maxBatch?: number; maxInFlight?: number } = {},
  ) {
    this.#write = write;
    this.#writeOne = writeOne;
    this.#maxBatch = options.maxBatch ?? 200;
    this.#maxInFlight = options.maxInFlight ?? 4;
  }

  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.#maxInFlight && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      this.#inFlight += 1;
      void this.#flush(batch).finally(() => {
        this.#inFlight -= 1;
        this.#pump();
      });
    }
  }

  async #flush(batch: readonly Pending<T>[]): Promise<void> {
    try {
      const outcome = await this.#write(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        const error = outcome ? outcome[i] : undefined;
        if (error) p.reject(error);
        else p.resolve();
      });
      return;
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
    }
    await Promise.all(
      batch.map((p) =>
        this.#writeOne(p.item).then(
          () => {
            p.resolve();
          },
          (error: unknown) => {
            p.reject(error);
          },
        ),
      ),
    );
  }
}
