// Draining before a stop. When a pod is told to stop, the endpoint controllers and every node's kube-proxy take
// a moment to stop sending it traffic, and clients keep their keep-alive connections to it. So on SIGTERM the
// server first drains: it keeps accepting and answering, reports itself not ready, and answers every request
// with `Connection: close`, so each client leaves its connection after its current request and opens the next
// one to a pod that stays. Only then does it stop listening. Nothing a client sent is refused on the way.
import type { FastifyInstance } from "fastify";

export class Drain {
  #draining = false;

  get draining(): boolean {
    return this.#draining;
  }

  begin(): void {
    this.#draining = true;
  }

  /** Every response sent while draining asks the client to close its connection. */
  install(app: FastifyInstance): void {
    app.addHook("onSend", (_request, reply, payload, done) => {
      if (this.#draining) reply.header("connection", "close");
      done(null, payload);
    });
  }
}
