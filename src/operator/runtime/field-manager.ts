// The operator's one name toward the API server: the server-side-apply field manager of everything it writes,
// the app.kubernetes.io/managed-by value of what it creates, its Event source and its Lease.
export const FIELD_MANAGER = "parmana-operator";
