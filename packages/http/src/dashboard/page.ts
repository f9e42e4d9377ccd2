/** What the page needs from the handler's options; written into the page as JSON. */
export interface DashboardConfig {
  readonly basePath: string;
  readonly writes: boolean;
  readonly pollIntervalMs: number;
}

/**
 * The dashboard: one HTML document with its style and script inline, so it works offline, behind
 * any proxy, with no build step and no CDN. It only reads the JSON routes of the same handler
 * (README "Dashboard"); with `writes` on, it shows a close button where `GET
 * /calls/{call}/permissions` says the caller may close, and a drain button where `GET
 * /nodes/{node}/permissions` says the caller may drain. Data goes in through `textContent` only.
 */
export function dashboardPage(config: DashboardConfig): string {
  // "<" escaped so that no value can close the script element it sits in.
  const json = JSON.stringify(config).replaceAll("<", "\\u003c");
  return PAGE.replace("__CONFIG__", json);
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sessionkv fleet</title>
<style>
  :root { color-scheme: light dark; --muted: #6b7280; --line: #d1d5db; --accent: #2563eb; --bad: #b91c1c; }
  * { box-sizing: border-box; }
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; padding: 16px 24px; }
  header { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
  h1 { font-size: 20px; margin: 0; }
  h2 { font-size: 16px; margin: 24px 0 8px; }
  h3 { font-size: 14px; margin: 16px 0 4px; }
  .muted { color: var(--muted); }
  h2 .muted { font-weight: normal; font-size: 13px; }
  .badge.draining { border-color: var(--bad); color: var(--bad); }
  .badge { display: inline-block; padding: 0 6px; border-radius: 8px; border: 1px solid var(--line); font-size: 12px; }
  .error { color: var(--bad); }
  table { border-collapse: collapse; width: 100%; margin-bottom: 8px; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { font-weight: 600; font-size: 12px; text-transform: uppercase; color: var(--muted); }
  code { font: 12px ui-monospace, monospace; }
  button { font: inherit; padding: 2px 10px; border-radius: 4px; border: 1px solid var(--bad); color: var(--bad); background: transparent; cursor: pointer; }
  button.confirm { background: var(--bad); color: white; }
  .columns { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 24px; }
  td.age, td code { white-space: nowrap; }
  @media (max-width: 1400px) { .columns { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<header>
  <h1>sessionkv fleet</h1>
  <span class="muted">answered by <code id="served-by">…</code></span>
  <span class="muted" id="updated">loading…</span>
  <span class="badge" id="mode"></span>
  <span class="error" id="problem" role="alert"></span>
</header>
<h2>Nodes <span class="muted" id="nodes-note"></span></h2>
<table id="nodes"><thead><tr><th>node</th><th>sessions</th><th>state</th><th>up</th><th>record changed</th><th>version</th><th>labels</th><th></th></tr></thead><tbody></tbody></table>
<div class="columns">
  <section><h2>Sessions by call <span class="muted" id="session-count"></span></h2><div id="by-call"></div></section>
  <section><h2>Sessions by node</h2><div id="by-node"></div></section>
</div>
<script id="config" type="application/json">__CONFIG__</script>
<script>
"use strict";
(() => {
  const config = JSON.parse(document.getElementById("config").textContent);
  const base = config.basePath;
  const permissions = new Map();
  const nodePermissions = new Map();
  const closing = new Set();
  const armed = new Set();
  const drainArmed = new Set();
  const drainAsked = new Set();
  let last = { nodes: [], sessions: [], node: "", ttl: 0 };

  document.getElementById("mode").textContent = config.writes ? "writes on" : "read-only";

  const el = (tag, text, cls) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  };
  const path = (...parts) => base + "/" + parts.map(encodeURIComponent).join("/");
  const age = (iso) => {
    if (!iso) return "—";
    const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    if (s < 60) return s.toFixed(0) + " s";
    if (s < 3600) return (s / 60).toFixed(1) + " min";
    return (s / 3600).toFixed(1) + " h";
  };
  const metricsText = (metrics) =>
    metrics === undefined ? "(hidden)" :
    Object.keys(metrics).length === 0 ? "—" :
    Object.entries(metrics).map(([k, v]) => k + "=" + (v === null ? "null" : v)).join("  ");

  async function read(url) {
    const response = await fetch(url, { headers: { accept: "application/json" }, cache: "no-store" });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(url + ": " + response.status + " " + ((body.error && body.error.code) || ""));
    return body;
  }

  async function canClose(callId) {
    if (!config.writes) return false;
    const known = permissions.get(callId);
    if (known && Date.now() - known.at < 10000) return known.close;
    try {
      const body = await read(path("calls", callId, "permissions"));
      permissions.set(callId, { at: Date.now(), close: body.can_close_session === true });
      return body.can_close_session === true;
    } catch {
      return false;
    }
  }

  // Asked per node, as close per call: the hook may allow draining some nodes and not others.
  async function canDrain(nodeId) {
    if (!config.writes) return false;
    const known = nodePermissions.get(nodeId);
    if (known && Date.now() - known.at < 10000) return known.drain;
    try {
      const body = await read(path("nodes", nodeId, "permissions"));
      nodePermissions.set(nodeId, { at: Date.now(), drain: body.can_drain_node === true });
      return body.can_drain_node === true;
    } catch {
      return false;
    }
  }

  async function drain(nodeId, button) {
    if (!drainArmed.has(nodeId)) {
      drainArmed.add(nodeId);
      button.textContent = "confirm drain";
      button.className = "confirm";
      return;
    }
    drainArmed.delete(nodeId);
    button.disabled = true;
    const response = await fetch(path("nodes", nodeId, "drain"), { method: "POST" });
    if (response.status === 202) {
      drainAsked.add(nodeId);
      button.textContent = "draining…";
    } else {
      button.disabled = false;
      button.textContent = "drain";
      button.className = "";
      document.getElementById("problem").textContent = "drain refused: " + response.status;
    }
  }

  async function close(session, button) {
    const key = session.call_id + "/" + session.session_id;
    if (!armed.has(key)) {
      armed.add(key);
      button.textContent = "confirm close";
      button.className = "confirm";
      return;
    }
    armed.delete(key);
    button.disabled = true;
    const response = await fetch(path("calls", session.call_id, "sessions", session.session_id), { method: "DELETE" });
    if (response.status === 202) {
      closing.add(key);
      button.textContent = "closing…";
    } else {
      button.disabled = false;
      button.textContent = "close";
      button.className = "";
      document.getElementById("problem").textContent = "close refused: " + response.status;
    }
  }

  async function renderNodes() {
    const rows = [];
    for (const n of last.nodes) {
      const row = el("tr");
      row.dataset.node = n.node_id;
      const name = el("td");
      name.append(el("code", n.node_id));
      if (n.this_node) name.append(" ", el("span", "this node", "badge"));
      const state = el("td");
      state.dataset.state = n.draining ? "draining" : "active";
      state.append(n.draining ? el("span", "draining", "badge draining") : el("span", "active", "muted"));
      const labels = Object.entries(n.labels).map(([k, v]) => k + "=" + v).join("  ");
      row.append(name, el("td", String(n.session_count)), state, el("td", age(n.started_at), "age"),
        el("td", age(n.updated_at) + " ago", "age"), el("td", n.version), el("td", labels || "—"));
      const cell = el("td");
      if (!n.draining && (await canDrain(n.node_id))) {
        const asked = drainAsked.has(n.node_id);
        const button = el("button", asked ? "draining…" : drainArmed.has(n.node_id) ? "confirm drain" : "drain");
        if (drainArmed.has(n.node_id)) button.className = "confirm";
        button.disabled = asked;
        button.dataset.drain = n.node_id;
        button.addEventListener("click", () => drain(n.node_id, button));
        cell.append(button);
      }
      row.append(cell);
      rows.push(row);
    }
    document.querySelector("#nodes tbody").replaceChildren(...rows);
    document.getElementById("nodes-note").textContent =
      "(a node is listed while its record lives, TTL " + last.ttl + " ms; 'record changed' is not a heartbeat)";
  }

  async function renderByCall() {
    const calls = new Map();
    for (const s of last.sessions) {
      if (!calls.has(s.call_id)) calls.set(s.call_id, []);
      calls.get(s.call_id).push(s);
    }
    const blocks = [];
    for (const [callId, sessions] of calls) {
      const writable = await canClose(callId);
      const block = el("div");
      block.dataset.call = callId;
      const title = el("h3");
      title.append(el("code", callId), " ", el("span", sessions.length + " session(s)", "muted"));
      const table = el("table");
      const head = el("tr");
      for (const h of ["session", "node", "age", "metrics"].concat(writable ? [""] : [])) head.append(el("th", h));
      table.append(head);
      for (const s of sessions) {
        const row = el("tr");
        row.dataset.session = s.session_id;
        const id = el("td");
        id.append(el("code", s.session_id));
        const node = el("td");
        node.append(el("code", s.node_id));
        row.append(id, node, el("td", age(s.session_started_at), "age"), el("td", metricsText(s.metrics)));
        if (writable) {
          const cell = el("td");
          const key = s.call_id + "/" + s.session_id;
          const button = el("button", closing.has(key) ? "closing…" : armed.has(key) ? "confirm close" : "close");
          if (armed.has(key)) button.className = "confirm";
          button.disabled = closing.has(key);
          button.dataset.close = s.session_id;
          button.addEventListener("click", () => close(s, button));
          cell.append(button);
          row.append(cell);
        }
        table.append(row);
      }
      block.append(title, table);
      blocks.push(block);
    }
    if (blocks.length === 0) blocks.push(el("p", "no sessions", "muted"));
    document.getElementById("by-call").replaceChildren(...blocks);
    document.getElementById("session-count").textContent = "(" + last.sessions.length + ")";
  }

  function renderByNode() {
    // Every listed node gets a block, those hosting nothing included.
    const nodes = new Map(last.nodes.map((n) => [n.node_id, []]));
    for (const s of last.sessions) {
      if (!nodes.has(s.node_id)) nodes.set(s.node_id, []);
      nodes.get(s.node_id).push(s);
    }
    const blocks = [...nodes].map(([nodeId, sessions]) => {
      const block = el("div");
      block.dataset.nodeSessions = nodeId;
      const title = el("h3");
      title.append(el("code", nodeId), " ", el("span", sessions.length + " session(s)", "muted"));
      const list = el("table");
      for (const s of sessions) {
        const row = el("tr");
        const call = el("td");
        call.append(el("code", s.call_id));
        const id = el("td");
        id.append(el("code", s.session_id));
        row.append(call, id, el("td", age(s.session_started_at), "age"), el("td", metricsText(s.metrics)));
        list.append(row);
      }
      block.append(title, list);
      return block;
    });
    if (blocks.length === 0) blocks.push(el("p", "no sessions", "muted"));
    document.getElementById("by-node").replaceChildren(...blocks);
  }

  async function poll() {
    try {
      const [nodes, sessions] = await Promise.all([read(path("nodes")), read(path("sessions"))]);
      last = { nodes: nodes.nodes, sessions: sessions.sessions, node: sessions.node_id, ttl: nodes.ttl_ms };
      const present = new Set(last.sessions.map((s) => s.call_id + "/" + s.session_id));
      for (const key of closing) if (!present.has(key)) closing.delete(key);
      for (const n of last.nodes) if (n.draining) drainAsked.delete(n.node_id);
      document.getElementById("served-by").textContent = last.node;
      document.getElementById("problem").textContent = "";
      await renderNodes();
      await renderByCall();
      renderByNode();
      document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
      document.body.dataset.polls = String(Number(document.body.dataset.polls || "0") + 1);
    } catch (error) {
      document.getElementById("problem").textContent = String(error.message || error);
    } finally {
      setTimeout(poll, config.pollIntervalMs);
    }
  }
  poll();
})();
</script>
</body>
</html>
`;
