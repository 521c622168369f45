// docaxis status page: read-only. Everything shown from data goes through textContent
// (never parsed as markup), so no value a hub stores can become markup.
"use strict";
(function () {
  const REFRESH_MS = 5000;
  const $ = (id) => document.getElementById(id);
  let organNames = new Map();  // organ id -> endpoint name

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function num(v) { return el("td", v === null || v === undefined ? "–" : v, "num"); }
  function when(ms) {
    if (ms === null || ms === undefined) return "–";
    const d = new Date(ms);
    return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  }
  function age(ms) {
    if (ms === null || ms === undefined) return "–";
    const s = Math.floor(ms / 1000);
    if (s < 60) return s + " s";
    if (s < 3600) return Math.floor(s / 60) + " min " + (s % 60) + " s";
    if (s < 86400) return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
    return Math.floor(s / 86400) + " d " + Math.floor((s % 86400) / 3600) + " h";
  }
  function fill(tbody, rows) {
    tbody.replaceChildren(...rows);
  }
  async function api(name, query) {
    const r = await fetch("/status/api/" + name + (query ? "?" + query : ""), { cache: "no-store", credentials: "same-origin" });
    const body = await r.json();
    if (!r.ok) {
      const e = body && body.error ? body.error : { code: String(r.status), message: "" };
      throw new Error(e.code + ": " + e.message);
    }
    return body;
  }

  function renderQueues(data) {
    const rows = (data.queues || []).map((q) => {
      const tr = el("tr");
      tr.dataset.destination = q.destination;
      tr.appendChild(el("td", q.destination));
      tr.appendChild(el("td", q.organ ? (organNames.get(q.organ) || "") : "", "organ-name"));
      const waiting = num(q.waiting); waiting.classList.add("waiting"); tr.appendChild(waiting);
      tr.appendChild(num(q.retrying));
      tr.appendChild(num(q.in_flight));
      const dead = num(q.dead); if (q.dead > 0) dead.classList.add("bad"); tr.appendChild(dead);
      tr.appendChild(el("td", age(q.oldest_age_ms), q.oldest_age_ms > 600000 ? "warn" : ""));
      tr.appendChild(el("td", q.breaker, q.breaker === "closed" ? "ok" : "bad"));
      const link = q.attached === true ? "up" : q.attached === false ? "down" : "?";
      tr.appendChild(el("td", link, link === "up" ? "ok" : link === "down" ? "bad" : ""));
      return tr;
    });
    fill($("queues").tBodies[0], rows);
  }
  function renderPeers(data) {
    const peers = data.peers || [];
    $("peers-empty").hidden = peers.length > 0;
    fill($("peers").tBodies[0], peers.map((p) => {
      const tr = el("tr");
      tr.dataset.peer = p.name;
      tr.appendChild(el("td", p.name));
      tr.appendChild(el("td", p.link, p.link === "up" ? "ok" : "bad"));
      tr.appendChild(el("td", p.breaker, p.breaker === "closed" ? "ok" : "bad"));
      tr.appendChild(el("td", p.url));
      return tr;
    }));
  }
  function renderRefusals(data) {
    const codes = Object.entries(data.by_code || {}).map(([c, n]) => c + " × " + n);
    $("refusal-codes").textContent = codes.length ? "since start: " + codes.join(", ") : "none since start";
    fill($("refusals").tBodies[0], (data.recent || []).map((r) => {
      const tr = el("tr");
      tr.appendChild(el("td", when(r.at_ms)));
      tr.appendChild(el("td", r.code, "bad"));
      tr.appendChild(el("td", r.reason, "wrap"));
      tr.appendChild(el("td", r.organ));
      tr.appendChild(el("td", r.document_id));
      tr.appendChild(num(r.size));
      return tr;
    }));
  }
  function renderDead(data) {
    $("dead-total").textContent = "(" + (data.total || 0) + ")";
    fill($("dead").tBodies[0], (data.dead || []).map((d) => {
      const tr = el("tr");
      tr.appendChild(el("td", d.id));
      tr.appendChild(el("td", d.document_id));
      tr.appendChild(el("td", d.from));
      tr.appendChild(el("td", d.recipient));
      tr.appendChild(num(d.attempts));
      tr.appendChild(el("td", d.last_error, "wrap"));
      tr.appendChild(el("td", when(d.updated_ms)));
      return tr;
    }));
  }
  function renderCerts(data) {
    const list = data.available ? (data.certificates || []) : null;
    $("certs-none").hidden = !!(list && list.length);
    $("certs-none").textContent = list === null ? "no data" : "none about to expire";
    $("certs").hidden = !(list && list.length);
    fill($("certs").tBodies[0], (list || []).map((c) => {
      const tr = el("tr");
      tr.appendChild(el("td", c.role));
      tr.appendChild(el("td", c.subject, "wrap"));
      tr.appendChild(el("td", when(c.not_after_ms)));
      tr.appendChild(el("td", c.days_left, "num " + (c.days_left < 7 ? "bad" : c.days_left < 30 ? "warn" : "")));
      tr.appendChild(el("td", c.source));
      return tr;
    }));
  }

  const SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function renderChart(data) {
    const period = data.period_ms || 60000;
    $("period").textContent = period % 60000 === 0 ? (period / 60000 === 1 ? "minute" : period / 60000 + " minutes") : (period / 1000) + " s";
    const samples = (data.samples || []).slice();
    if (data.current) samples.push({ accepted: data.current.accepted, delivered: data.current.delivered, refused: data.current.refused, end_ms: data.now_ms, oldest_age_ms: null });
    const last = samples.length ? samples[samples.length - 1] : null;
    const oldest = (data.samples || []).length ? data.samples[data.samples.length - 1].oldest_age_ms : null;
    $("oldest-now").textContent = age(oldest);
    const W = 600, H = 180, L = 40, B = 20, T = 10;
    const root = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "throughput" });
    const max = Math.max(1, ...samples.map((s) => Math.max(s.accepted || 0, s.delivered || 0, s.refused || 0)));
    root.appendChild(svg("line", { x1: L, y1: H - B, x2: W, y2: H - B, class: "axis" }));
    root.appendChild(svg("line", { x1: L, y1: T, x2: L, y2: H - B, class: "axis" }));
    root.appendChild(svg("text", { x: 2, y: T + 10 }, max));
    root.appendChild(svg("text", { x: 2, y: H - B }, 0));
    const n = Math.max(samples.length, 2);
    const x = (i) => L + (W - L) * (i / (n - 1));
    const y = (v) => H - B - (H - B - T) * ((v || 0) / max);
    for (const key of ["accepted", "delivered", "refused"]) {
      if (!samples.length) break;
      const pts = samples.map((s, i) => x(samples.length === 1 ? 0 : i) + "," + y(s[key])).join(" ");
      root.appendChild(svg("polyline", { points: pts, class: key }));
      samples.forEach((s, i) => root.appendChild(svg("circle", { cx: x(samples.length === 1 ? 0 : i), cy: y(s[key]), r: 2.5, class: key })));
    }
    root.appendChild(svg("text", { x: L + 4, y: H - 4 }, samples.length ? "last " + samples.length + " periods" : "no samples yet"));
    if (last) root.appendChild(svg("text", { x: W - 160, y: H - 4 }, "now: " + (last.accepted || 0) + " in, " + (last.delivered || 0) + " out"));
    $("chart").replaceChildren(root);
  }

  // The latency chart: per period, the 95th percentile (solid) and median (dashed) of the store's
  // commits and of signature verification, in ms, from `latency` of each sample (null: none
  // observed in that period, no point drawn).
  const LATENCY = ["commit", "verify"];
  function fmtMs(v) {
    if (v === null || v === undefined) return "–";
    return v >= 100 ? Math.round(v) + " ms" : v >= 1 ? v.toFixed(1) + " ms" : v.toFixed(3) + " ms";
  }
  function renderLatency(data) {
    const samples = (data.samples || []).map((s) => s.latency || {});
    if (data.current) samples.push(data.current.latency || {});
    const fig = (s, name, q) => (s[name] && typeof s[name][q] === "number" ? s[name][q] : null);
    const W = 600, H = 180, L = 40, B = 20, T = 10;
    const root = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "latency" });
    const values = [];
    samples.forEach((s) => LATENCY.forEach((n) => { const v = fig(s, n, "p95_ms"); if (v !== null) values.push(v); }));
    const max = Math.max(1, ...values);
    root.appendChild(svg("line", { x1: L, y1: H - B, x2: W, y2: H - B, class: "axis" }));
    root.appendChild(svg("line", { x1: L, y1: T, x2: L, y2: H - B, class: "axis" }));
    root.appendChild(svg("text", { x: 2, y: T + 10 }, max >= 100 ? Math.round(max) : max.toFixed(max >= 1 ? 1 : 3)));
    root.appendChild(svg("text", { x: 2, y: H - B }, 0));
    const n = Math.max(samples.length, 2);
    const x = (i) => L + (W - L) * (samples.length === 1 ? 0 : i / (n - 1));
    const y = (v) => H - B - (H - B - T) * (Math.min(v, max) / max);
    for (const name of LATENCY) {
      for (const q of ["p95_ms", "p50_ms"]) {
        const pts = [];
        samples.forEach((s, i) => { const v = fig(s, name, q); if (v !== null) pts.push([x(i), y(v)]); });
        if (!pts.length) continue;
        const cls = name + (q === "p50_ms" ? " p50" : " p95");
        root.appendChild(svg("polyline", { points: pts.map((p) => p[0] + "," + p[1]).join(" "), class: cls }));
        if (q === "p95_ms") pts.forEach((p) => root.appendChild(svg("circle", { cx: p[0], cy: p[1], r: 2.5, class: cls })));
      }
    }
    const last = samples.length ? samples[samples.length - 1] : {};
    const now = LATENCY.filter((name) => fig(last, name, "p95_ms") !== null)
      .map((name) => name + " p50 " + fmtMs(fig(last, name, "p50_ms")) + " / p95 " + fmtMs(fig(last, name, "p95_ms")) +
        " (" + last[name].count + ")");
    $("latency-now").textContent = now.length ? now.join("; ") : "nothing observed";
    $("latency-period").textContent = $("period").textContent;
    root.appendChild(svg("text", { x: L + 4, y: H - 4 }, values.length ? "p95 of the last " + samples.length + " periods" : "no latency observed yet"));
    $("latency-chart").replaceChildren(root);
  }

  function table(headers, rows) {
    const t = el("table");
    const head = el("tr");
    headers.forEach((h) => head.appendChild(el("th", h)));
    t.appendChild(el("thead")).appendChild(head);
    const body = el("tbody");
    rows.forEach((r) => {
      const tr = el("tr");
      r.forEach((c) => tr.appendChild(el("td", c === null || c === undefined ? "–" : c)));
      body.appendChild(tr);
    });
    t.appendChild(body);
    return t;
  }
  function renderDoc(data) {
    const out = [];
    for (const p of data.packages || []) {
      out.push(el("h3", "package seq " + p.seq + " · " + (p.document_id || "") + " · " + (p.message_type || "")));
      out.push(el("p", "from " + (p.from || "?") + " · " + (p.size || 0) + " bytes · received " + when(p.received_ms) +
        " · bytes " + (p.bytes || "?") + (p.signature ? " · signature: " + (p.signature.verdict || "") : ""), "meta"));
      out.push(el("h3", "trail"));
      out.push(table(["hub", "arrived"], (p.hops || []).map((h) => [h.hub, when(h.arrived_ms)])));
      out.push(el("h3", "deliveries"));
      out.push(table(["id", "recipient", "next hop", "state", "attempts", "last error", "updated"],
        (p.deliveries || []).map((d) => [d.id, d.recipient, d.next_hop, d.state, d.attempts, d.last_error, when(d.updated_ms)])));
      out.push(el("h3", "attempts"));
      out.push(table(["delivery", "recipient", "#", "started", "ended", "result", "error"],
        (p.attempts || []).map((a) => [a.delivery, a.recipient, a.attempt, when(a.started_ms), when(a.ended_ms), a.result, a.error])));
      out.push(el("h3", "receipts"));
      out.push(table(["receipt", "delivery", "outcome", "recipient", "issued", "state"],
        (p.receipts || []).map((r) => [r.receipt_id, r.delivery, r.outcome, r.recipient, when(r.issued_ms), r.state])));
    }
    if (!out.length) out.push(el("p", "nothing found", "empty"));
    $("doc-result").replaceChildren(...out);
  }

  async function refresh() {
    const errors = [];
    const run = async (name, render) => {
      try { render(await api(name)); } catch (e) { errors.push(name + ": " + e.message); }
    };
    try {
      const eps = await api("endpoints");
      organNames = new Map((eps.endpoints || []).map((e) => [e.organ, e.name || ""]));
    } catch (e) { errors.push("endpoints: " + e.message); }
    try {
      const s = await api("summary");
      $("hub-name").textContent = s.hub;
      $("uptime").textContent = s.uptime_s === null ? "?" : age(s.uptime_s * 1000);
    } catch (e) { errors.push("summary: " + e.message); }
    await Promise.all([run("queues", renderQueues), run("peers", renderPeers), run("refusals", renderRefusals),
      run("dead", renderDead), run("certificates", renderCerts), run("history", (h) => { renderChart(h); renderLatency(h); })]);
    $("updated").textContent = when(Date.now());
    $("load-error").textContent = errors.join("; ");
    document.body.dataset.loaded = "yes";
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("search").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const id = $("doc-id").value.trim();
      if (!id) return;
      try {
        renderDoc(await api("doc", "id=" + encodeURIComponent(id)));
      } catch (e) {
        $("doc-result").replaceChildren(el("p", e.message, "bad"));
      }
    });
    const q = new URLSearchParams(location.search).get("doc");
    if (q) { $("doc-id").value = q; $("search").requestSubmit(); }
    refresh();
    setInterval(refresh, REFRESH_MS);
  });
})();
