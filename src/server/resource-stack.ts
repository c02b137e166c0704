// What a composition has opened, closed in the reverse order: on shutdown, and at once when a later step of
// the start fails (a port in use must not leave a Redis connection, a database pool and watchers behind).
export interface ResourceStackObserver {
  closeFailed?(name: string, error: unknown): void;
}

export class ResourceStack {
  readonly #stack: { readonly name: string; readonly close: () => unknown }[] = [];
  readonly #observer: ResourceStackObserver;
  #closing: Promise<void> | undefined;

  constructor(observer: ResourceStackObserver = {}) {
    this.#observer = observer;
  }

  /** Registers `close` for `resource` and returns the resource. */
  add<T>(name: string, resource: T, close: (resource: T) => unknown): T {
    this.#stack.push({ name, close: () => close(resource) });
    return resource;
  }

  /** Names of what is open, oldest first. */
  get open(): readonly string[] {
    return this.#stack.map((r) => r.name);
  }

  /** Closes everything, newest first; a failure is reported and the rest still close. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const { name, close } of [...this.#stack].reverse()) {
        try {
          await close();
        } catch (error) {
          this.#observer.closeFailed?.(name, error);
        }
      }
      this.#stack.length = 0;
    })();
    return this.#closing;
  }

  /** Runs `step`; if it throws, closes everything opened so far and rethrows. */
  async guard<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      await this.close();
      throw error;
    }
  }
}
