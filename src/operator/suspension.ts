// Suspension and reconcile requests, the same for every kind (as Flux has them). `spec.suspend: true` stops the
// controller from changing anything but a `Suspended` condition; the annotation
// governance.parmana.io/reconcile-requested-at asks for a reconcile now, and the value handled is echoed as
// status.lastHandledReconcileAt, so `parmana reconcile --wait` knows when its request was seen.
import { setConditions } from "./conditions.ts";
import { RECONCILE_REQUESTED_AT, type Condition } from "./schema.ts";

interface Reconcilable {
  readonly metadata: {
    readonly annotations?: Readonly<Record<string, string>>;
    readonly generation?: number;
  };
  readonly spec: { readonly suspend?: boolean };
  readonly status?: { readonly conditions?: readonly Condition[]; readonly lastHandledReconcileAt?: string };
}

export const SUSPENDED = "Suspended";

export function isSuspended(object: Reconcilable): boolean {
  return object.spec.suspend === true;
}

/** The status of a suspended object: what it had, plus Suspended=True (nothing else is observed). */
export function suspendedStatus<S extends { conditions?: Condition[] }>(
  object: Reconcilable & { status?: S },
  what: string,
): S {
  const previous = (object.status ?? {}) as S;
  return {
    ...previous,
    conditions: setConditions(
      previous.conditions,
      [{ type: SUSPENDED, status: "True", reason: "Suspended", message: `spec.suspend is true: ${what}` }],
      object.metadata.generation,
    ),
  };
}

/**
 * A status a controller computed for an object it reconciled (so not suspended): without a leftover
 * Suspended condition, and echoing the reconcile request it has now handled.
 */
export function reconciledStatus<S extends { conditions?: Condition[]; lastHandledReconcileAt?: string }>(
  object: Reconcilable,
  status: S,
): S {
  const requested = object.metadata.annotations?.[RECONCILE_REQUESTED_AT];
  const handled = requested ?? object.status?.lastHandledReconcileAt;
  return {
    ...status,
    ...(status.conditions && { conditions: status.conditions.filter((c) => c.type !== SUSPENDED) }),
    ...(handled !== undefined && { lastHandledReconcileAt: handled }),
  };
}
