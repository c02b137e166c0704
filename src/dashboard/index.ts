// The audit dashboard: static assets and a session-guarded forwarder to the API's audit routes.
export { buildDashboard, type DashboardOptions } from "./server.ts";
