// Who asked, as plain data: the HTTP layer reads it off the request once; the decisions never see a request.
import type { RaiseInput } from "../events/index.ts";

export interface Caller {
  readonly apiKeyId: string | undefined;
  readonly clientIp: string | undefined;
  readonly userAgent: string | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly requestId: string | undefined;
  /** The trace and span the request runs in, when tracing is on. */
  readonly trace?: { readonly traceId: string; readonly spanId: string } | undefined;
}

/** The actor, request and trace members of a security event raised on behalf of `caller`. */
export function eventFacts(caller: Caller): Pick<RaiseInput, "actor" | "request" | "trace"> {
  return {
    actor: { apiKeyId: caller.apiKeyId, clientIp: caller.clientIp, userAgent: caller.userAgent },
    request: { method: caller.method, path: caller.path, requestId: caller.requestId },
    trace: caller.trace,
  };
}
