// Whether this process traces: the standard OTEL_TRACES_EXPORTER (any exporter but `none`) or PARMANA_TRACING=true
// (then the OTLP exporter, as OTEL_TRACES_EXPORTER's default); OTEL_SDK_DISABLED=true wins. Off by default.
type Source = Readonly<Record<string, string | undefined>>;

export class TracingConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TracingConfigError";
  }
}

export function tracingRequested(env: Source): boolean {
  const disabled = env["OTEL_SDK_DISABLED"]?.trim().toLowerCase();
  if (disabled === "true") return false;
  const parmana = env["PARMANA_TRACING"]?.trim();
  if (parmana !== undefined && parmana !== "" && parmana !== "true" && parmana !== "false")
    throw new TracingConfigError(`PARMANA_TRACING=${JSON.stringify(parmana)} must be true or false`);
  if (parmana === "false") return false;
  const exporters = (env["OTEL_TRACES_EXPORTER"] ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  if (exporters.includes("none")) return false;
  return parmana === "true" || exporters.length > 0;
}

/** The service name for this command, unless OTEL_SERVICE_NAME says otherwise (the SDK reads it). */
export function defaultServiceName(command: string | undefined): string {
  return command === "operator" ? "parmana-operator" : "parmana-governance-server";
}
