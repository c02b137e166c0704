// The Parmana audit dashboard. Plain browser JavaScript, no framework, no inline script (strict CSP).
// It never stores the API key: sign-in sends it once and the server answers with an HttpOnly session cookie.
"use strict";

const HEADERS = { "X-Parmana-Dashboard": "1" };
const $ = (id) => document.getElementById(id);
let refreshTimer;
let drillCursor = null;
let drillType = null;

async function api(path, init = {}) {
  const response = await fetch(path, {
    credentials: "same-origin",
    ...init,
    headers: {
      ...HEADERS,
      ...(init.body ? { "Content-Type": "application/json" } : {}),
      ...(init.headers || {}),
    },
  });
  if (response.status === 401 && path.startsWith("/api/") && path !== "/api/session") {
    showSignIn("Your session has ended; sign in again.");
    throw new Error("signed out");
  }
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  // Every error, the API's or the dashboard's own, is {error, code, requestId}: show its message.
  if (!response.ok) {
    const message = body && typeof body.error === "string" ? body.error : `HTTP ${response.status}`;
    throw new Error(body && body.requestId ? `${message} (request ${body.requestId})` : message);
  }
  return body;
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "";
}

function setStatus(text) {
  $("status").textContent = text;
}

function showSignIn(message) {
  clearInterval(refreshTimer);
  $("app").hidden = true;
  $("logout").hidden = true;
  $("signin").hidden = false;
  $("signin-error").textContent = message || "";
  $("apikey").focus();
}

function showApp() {
  $("signin").hidden = true;
  $("app").hidden = false;
  $("logout").hidden = false;
  setStatus("Signed in");
  selectTab("security");
  scheduleRefresh();
}

function rangeQuery() {
  const params = new URLSearchParams();
  if ($("from").value) params.set("from", new Date($("from").value).toISOString());
  if ($("to").value) params.set("to", new Date($("to").value).toISOString());
  return params;
}

async function loadSecurity() {
  const params = rangeQuery();
  params.set("limit", "100");
  const rows = await api(`/api/security?${params}`);
  const tbody = $("security-table").querySelector("tbody");
  tbody.replaceChildren();
  for (const r of rows) {
    const tr = document.createElement("tr");
    tr.dataset.type = r.event_type;
    cell(tr, r.event_type);
    const sev = cell(tr, "");
    const badge = document.createElement("span");
    badge.className = `sev sev-${r.severity}`;
    badge.textContent = r.severity;
    sev.appendChild(badge);
    cell(tr, r.event_count, "num count");
    cell(tr, when(r.first_occurrence));
    cell(tr, when(r.last_occurrence));
    const action = cell(tr, "");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Events";
    button.setAttribute("aria-label", `Show ${r.event_type} events`);
    button.addEventListener("click", () => openDrill(r.event_type, true));
    action.appendChild(button);
    tbody.appendChild(tr);
  }
  $("security-empty").hidden = rows.length > 0;
  $("updated").textContent = `Last updated ${new Date().toLocaleTimeString()}`;
}

async function openDrill(type, fresh) {
  if (fresh) {
    drillType = type;
    drillCursor = null;
    $("drill-table").querySelector("tbody").replaceChildren();
  }
  const params = rangeQuery();
  params.set("type", drillType);
  params.set("limit", "50");
  if (drillCursor) params.set("cursor", drillCursor);
  const page = await api(`/api/security/events?${params}`);
  $("drill").hidden = false;
  $("drill-title").textContent = `${drillType} events`;
  const tbody = $("drill-table").querySelector("tbody");
  for (const e of page.events) {
    const tr = document.createElement("tr");
    tr.dataset.eventId = e.event_id;
    cell(tr, when(e.occurred_at));
    cell(tr, String(e.occurrences), "num");
    cell(tr, [e.client_ip, e.user_agent].filter(Boolean).join(" · "));
    cell(tr, [e.method, e.path].filter(Boolean).join(" "));
    cell(tr, e.api_key_id || "");
    cell(tr, JSON.stringify(e.details || {}));
    tbody.appendChild(tr);
  }
  drillCursor = page.nextCursor;
  $("drill-more").hidden = !drillCursor;
}

async function loadDecisions() {
  const params = new URLSearchParams({ limit: "50" });
  if ($("decision-policy").value) params.set("policy_id", $("decision-policy").value);
  const page = await api(`/api/decisions?${params}`);
  const tbody = $("decisions-table").querySelector("tbody");
  tbody.replaceChildren();
  for (const d of page.decisions) {
    const tr = document.createElement("tr");
    cell(tr, when(d.issuedAt));
    const link = cell(tr, "");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = d.executionId;
    button.addEventListener("click", async () => {
      const detail = await api(`/api/decisions/${encodeURIComponent(d.executionId)}`);
      $("decision-detail").hidden = false;
      $("decision-detail").textContent = JSON.stringify(detail, null, 2);
      $("decision-detail").focus();
    });
    link.appendChild(button);
    cell(tr, `${d.policyId} ${d.policyVersion}`);
    cell(tr, d.decision);
    tbody.appendChild(tr);
  }
}

async function loadHealth() {
  $("health").textContent = JSON.stringify(await api("/api/health"), null, 2);
}

async function loadStats() {
  const stats = await api("/api/stats");
  const dl = $("stats");
  dl.replaceChildren();
  for (const [k, v] of Object.entries(stats)) {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = String(v);
    dl.append(dt, dd);
  }
  // Events per hour for the last 24 hours, counted from the raw events (first 500).
  const since = new Date(Date.now() - 24 * 3600_000);
  const page = await api(`/api/security/events?limit=500&from=${since.toISOString()}`);
  const buckets = new Array(24).fill(0);
  for (const e of page.events) {
    const hour = Math.floor((new Date(e.occurred_at) - since) / 3600_000);
    if (hour >= 0 && hour < 24) buckets[hour] += e.occurrences;
  }
  const max = Math.max(1, ...buckets);
  const svg = $("chart");
  svg.replaceChildren();
  buckets.forEach((n, i) => {
    const rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    const h = Math.round((n / max) * 140);
    rect.setAttribute("x", String(i * 25 + 2));
    rect.setAttribute("y", String(150 - h));
    rect.setAttribute("width", "20");
    rect.setAttribute("height", String(h));
    const title = document.createElementNS("http://www.w3.org/2000/svg", "title");
    title.textContent = `${n} event(s)`;
    rect.appendChild(title);
    svg.appendChild(rect);
  });
}

const LOADERS = {
  security: loadSecurity,
  decisions: loadDecisions,
  verify: async () => {},
  health: loadHealth,
  stats: loadStats,
};

function selectTab(name) {
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    const selected = tab.id === `tab-${name}`;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    $(tab.getAttribute("aria-controls")).hidden = !selected;
  }
  LOADERS[name]().catch((error) => setStatus(error.message));
}

function scheduleRefresh() {
  clearInterval(refreshTimer);
  refreshTimer = setInterval(() => {
    if ($("autorefresh").checked && !$("panel-security").hidden)
      loadSecurity().catch((e) => setStatus(e.message));
  }, 10_000);
}

function wire() {
  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("signin-error").textContent = "";
    try {
      await api("/session", { method: "POST", body: JSON.stringify({ apiKey: $("apikey").value }) });
      $("apikey").value = "";
      showApp();
    } catch (error) {
      $("signin-error").textContent = error.message;
    }
  });
  $("logout").addEventListener("click", async () => {
    await api("/session", { method: "DELETE" }).catch(() => undefined);
    showSignIn("Signed out.");
    setStatus("");
  });
  $("range").addEventListener("submit", (event) => {
    event.preventDefault();
    $("drill").hidden = true;
    loadSecurity().catch((e) => setStatus(e.message));
  });
  $("range-clear").addEventListener("click", () => {
    $("from").value = "";
    $("to").value = "";
    loadSecurity().catch((e) => setStatus(e.message));
  });
  $("drill-more").addEventListener("click", () =>
    openDrill(drillType, false).catch((e) => setStatus(e.message)),
  );
  $("decisions-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    loadDecisions().catch((e) => setStatus(e.message));
  });
  $("verify-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const attestation = JSON.parse($("attestation").value);
      const result = await api("/api/verify", { method: "POST", body: JSON.stringify({ attestation }) });
      $("verify-result").textContent = JSON.stringify(result, null, 2);
    } catch (error) {
      $("verify-result").textContent = error.message;
    }
  });
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => selectTab(tab.id.slice(4)));
    tab.addEventListener("keydown", (event) => {
      const next = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (next === 0) return;
      const target = tabs[(i + next + tabs.length) % tabs.length];
      target.focus();
      selectTab(target.id.slice(4));
    });
  });
}

document.addEventListener("DOMContentLoaded", async () => {
  wire();
  try {
    const s = await api("/api/session");
    if (s.signedIn) showApp();
    else showSignIn();
  } catch {
    showSignIn();
  }
});
