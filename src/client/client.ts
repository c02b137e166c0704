// ParmanaClient: the typed SDK for the governance server. No runtime dependencies: the global fetch.
import type { Attestation, AttestationVerification } from "../attest/index.ts";

export interface ClientOptions {
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Per request; default 10 s. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

export interface ExecuteRequest {
  readonly executionId: string;
  readonly policyId: string;
  readonly policyVersion: string;
  readonly signals: Readonly<Record<string, unknown>>;
}

export interface OverrideRequest {
  readonly executionId: string;
  readonly approved: boolean;
  readonly approvedBy: string;
  readonly approverRole: string;
  readonly reason: string;
}

// The SDK declares its own response types so that its published typings never pull in the server's
// database layer.
export interface SecuritySummaryRow {
  readonly event_type: string;
  readonly severity: string;
  readonly event_count: string;
  readonly first_occurrence: string;
  readonly last_occurrence: string;
}

export interface RangeQuery {
  readonly limit?: number;
  readonly from?: string | Date;
  readonly to?: string | Date;
}

export interface EventsQuery extends RangeQuery {
  readonly type?: string;
  readonly severity?: "low" | "medium" | "high" | "critical";
  readonly cursor?: string;
}

export interface DecisionsQuery extends RangeQuery {
  readonly policy_id?: string;
  readonly decision?: string;
  readonly cursor?: string;
}

/** Any non-2xx answer. */
export class ParmanaApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly body: unknown;

  constructor(status: number, code: string, message: string, requestId: string | undefined, body: unknown) {
    super(message);
    this.name = "ParmanaApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.body = body;
  }
}

type Query = object;

export class ParmanaClient {
  readonly #baseUrl: string;
  readonly #apiKey: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  /** The audit API: security events (aggregated and raw), decisions, verifications, stats. */
  readonly audit: {
    security(query?: RangeQuery): Promise<SecuritySummaryRow[]>;
    events(query?: EventsQuery): Promise<{ events: Record<string, unknown>[]; nextCursor: string | null }>;
    decisions(
      query?: DecisionsQuery,
    ): Promise<{ decisions: Record<string, unknown>[]; nextCursor: string | null }>;
    decision(executionId: string): Promise<Record<string, unknown> & { attestation: Attestation }>;
    verifications(executionId: string): Promise<Record<string, unknown>[]>;
    stats(): Promise<Record<string, number>>;
  };

  constructor(options: ClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#apiKey = options.apiKey;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.audit = {
      security: (q = {}) => this.#get("/audit/security", q),
      events: (q = {}) => this.#get("/audit/security/events", q),
      decisions: (q = {}) => this.#get("/audit/decisions", q),
      decision: (id) => this.#get(`/audit/decisions/${encodeURIComponent(id)}`),
      verifications: (id) => this.#get(`/audit/verifications/${encodeURIComponent(id)}`),
      stats: () => this.#get("/audit/stats"),
    };
  }

  health(): Promise<Record<string, unknown>> {
    return this.#get("/health");
  }

  /**
   * Executes a decision; resolves to its signed attestation. With `retries`, a request that timed out, found
   * the id still in flight (409) or the server unavailable (503) is sent again with the same executionId: safe,
   * because the server answers a retry with the decision it made the first time (never a second one).
   */
  async execute(
    request: ExecuteRequest,
    options: { readonly retries?: number; readonly retryDelayMs?: number } = {},
  ): Promise<Attestation> {
    return (await this.executeOutcome(request, options)).attestation;
  }

  /** As execute, saying also whether the answer is a retry's (the decision made before: Parmana-Replayed). */
  async executeOutcome(
    request: ExecuteRequest,
    options: { readonly retries?: number; readonly retryDelayMs?: number } = {},
  ): Promise<{ attestation: Attestation; status: string; requires_override: boolean; replayed: boolean }> {
    const retries = options.retries ?? 0;
    for (let attempt = 0; ; attempt++) {
      try {
        const { body, headers } = await this.#exchange("POST", "/execute", request);
        const answer = body as { attestation: Attestation; status: string; requires_override: boolean };
        return { ...answer, replayed: headers.get("parmana-replayed") === "true" };
      } catch (error) {
        const retryable =
          (error instanceof ParmanaApiError && (error.status === 409 || error.status === 503)) ||
          (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"));
        if (!retryable || attempt >= retries) throw error;
        await new Promise((resolve) => setTimeout(resolve, (options.retryDelayMs ?? 200) * (attempt + 1)));
      }
    }
  }

  verify(attestation: Attestation): Promise<Omit<AttestationVerification, "reason"> & { reason?: string }> {
    return this.#send("POST", "/verify", { attestation });
  }

  evaluate(
    request: Omit<ExecuteRequest, "executionId"> & { executionId?: string },
  ): Promise<{ wouldDecide: string; ruleMatched: string; reason: string; requires_override: boolean }> {
    return this.#send("POST", "/evaluate", request);
  }

  override(
    request: OverrideRequest,
  ): Promise<{ executionId: string; status: string; override: Record<string, unknown> }> {
    return this.#send("POST", "/override", request);
  }

  #get<T>(path: string, query: Query = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query) as [string, unknown][]) {
      if (value instanceof Date) params.set(key, value.toISOString());
      else if (typeof value === "string" || typeof value === "number") params.set(key, String(value));
    }
    const search = params.size > 0 ? `?${params.toString()}` : "";
    return this.#send("GET", `${path}${search}`);
  }

  async #send<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.#exchange(method, path, body)).body as T;
  }

  async #exchange(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ body: unknown; headers: Headers }> {
    const response = await this.#fetch(`${this.#baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.#apiKey}`,
        accept: "application/json",
        ...(body !== undefined && { "content-type": "application/json" }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!response.ok) {
      const e = (parsed ?? {}) as { error?: unknown; code?: unknown; requestId?: unknown };
      throw new ParmanaApiError(
        response.status,
        typeof e.code === "string" ? e.code : `HTTP_${String(response.status)}`,
        typeof e.error === "string" ? e.error : `${method} ${path} answered ${String(response.status)}`,
        typeof e.requestId === "string" ? e.requestId : (response.headers.get("x-request-id") ?? undefined),
        parsed,
      );
    }
    return { body: parsed, headers: response.headers };
  }
}
