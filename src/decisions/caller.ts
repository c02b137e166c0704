// Who asked, as plain data: the HTTP layer reads it off the request once; the decisions never see a request.
import type { RaiseInput } from "../events/index.ts";

export interface Caller {
  readonly apiKeyId: string | undefined;
  readonly clientIp: string | undefined;
  readonly userAgent: string | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly requestId: string | undefined;
}

/** The actor and request members of a security event raised on behalf of `caller`. */
export function eventFacts(caller: Caller): Pick<RaiseInput, "actor" | "request"> {
  return {
    actor: { apiKeyId: caller.apiKeyId, clientIp: caller.clientIp, userAgent: caller.userAgent },
    request: { method: caller.method, path: caller.path, requestId: caller.requestId },
  };
}
