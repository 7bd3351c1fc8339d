// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// The status page served at `/`: one self-contained HTML document (inline CSS and script, no external
/// assets) that polls `api/status` every two seconds and redraws from the JSON, without reloading. Data is
/// written with `textContent` only, so no name a worker or client chooses can inject markup.
enum StatusPage {
    static let html = #"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>OCluster status</title>
        <style>
        :root { --fg: #1d2330; --muted: #667085; --line: #e4e7ec; --bg: #f7f8fa; --card: #fff;
                --ok: #12805c; --warn: #b54708; --bad: #b42318; --idle: #475467; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
               background: var(--bg); }
        header { display: flex; align-items: baseline; gap: 16px; padding: 14px 24px; background: #1d2330;
                 color: #fff; }
        header h1 { margin: 0; font-size: 18px; font-weight: 600; }
        #conn { font-size: 13px; color: #cbd2e0; }
        #conn.down { color: #fda29b; }
        main { padding: 16px 24px 32px; max-width: 1400px; }
        section.pool, section.recent { background: var(--card); border: 1px solid var(--line);
                 border-radius: 8px; padding: 12px 16px 16px; margin-bottom: 18px; }
        h2 { margin: 0 0 4px; font-size: 16px; }
        h3 { margin: 14px 0 6px; font-size: 13px; text-transform: uppercase; letter-spacing: .04em;
             color: var(--muted); }
        .summary { color: var(--muted); font-size: 13px; }
        .summary b { color: var(--fg); font-weight: 600; }
        .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 0 24px; }
        table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
        th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
        th { font-weight: 500; color: var(--muted); font-size: 12px; }
        td.num, th.num { text-align: right; }
        .empty { color: var(--muted); font-style: italic; padding: 4px 0; }
        .badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
                 color: #fff; }
        .active, .succeeded { background: var(--ok); }
        .paused, .cancelled { background: var(--warn); }
        .inactive { background: var(--idle); }
        .failed, .disconnected { background: var(--bad); }
        .urgent { color: var(--bad); font-weight: 600; }
        .why { color: var(--muted); font-size: 12px; }
        </style>
        </head>
        <body>
        <header><h1>OCluster status</h1><span id="conn">connecting…</span></header>
        <main id="pools"></main>
        <script>
        "use strict";
        const pollMillis = 2000;

        function el(tag, attrs, ...children) {
          const node = document.createElement(tag);
          for (const [key, value] of Object.entries(attrs || {})) {
            if (key === "class") node.className = value; else node.setAttribute(key, value);
          }
          for (const child of children) {
            if (child === null || child === undefined) continue;
            node.append(child instanceof Node ? child : document.createTextNode(String(child)));
          }
          return node;
        }

        function duration(seconds) {
          if (seconds === undefined || seconds === null) return "–";
          if (seconds < 10) return Math.max(0, seconds).toFixed(1) + "s";
          const s = Math.round(seconds);
          if (s < 60) return s + "s";
          if (s < 3600) return Math.floor(s / 60) + "m " + (s % 60) + "s";
          if (s < 86400) return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
          return Math.floor(s / 86400) + "d " + Math.floor((s % 86400) / 3600) + "h";
        }

        function ago(now, time) { return time === undefined ? "–" : duration(now - time) + " ago"; }

        function table(columns, rows, emptyText) {
          if (rows.length === 0) return el("div", {class: "empty"}, emptyText);
          const head = el("tr", {}, ...columns.map(([label, cls]) => el("th", cls ? {class: cls} : {}, label)));
          return el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows));
        }

        function cell(value, cls) { return el("td", cls ? {class: cls} : {}, value); }

        function workersTable(pool, now) {
          const rows = pool.workers.map(w => el("tr", {"data-worker": w.name, "data-state": w.state},
            cell(w.name),
            el("td", {}, el("span", {class: "badge " + w.state}, w.state), " ",
               el("span", {class: "why"}, w.reasons.join(", "))),
            cell(w.running + (w.capacity === undefined ? "" : " / " + w.capacity), "num"),
            cell(w.queued, "num"),
            cell(ago(now, w.lastSeen))));
          return table([["worker"], ["state"], ["running / capacity", "num"], ["local queue", "num"],
                        ["last seen"]], rows, "No workers have registered.");
        }

        function queueTable(pool) {
          const rows = pool.queued.map(job => el("tr", {"data-client": job.client},
            cell(job.client),
            el("td", job.urgent ? {class: "urgent"} : {}, job.urgent ? "urgent" : "normal"),
            cell(job.cacheHint || "–"),
            cell(duration(job.waiting), "num"),
            cell(job.worker === undefined ? "backlog" : "on " + job.worker)));
          const more = pool.queuedTotal - pool.queued.length;
          const listed = table([["client"], ["priority"], ["cache hint"], ["waiting", "num"], ["where"]],
                               rows, "No jobs are waiting.");
          return more > 0 ? el("div", {}, listed, el("div", {class: "empty"}, "… and " + more + " more")) : listed;
        }

        function clientsTable(pool) {
          const rows = pool.clients.map(c => el("tr", {"data-client": c.id},
            cell(c.id),
            cell(c.rate, "num"),
            cell((c.share * 100).toFixed(0) + "%", "num"),
            cell(c.queued, "num"),
            cell(c.running, "num"),
            cell(c.delay > 0 ? "+" + duration(c.delay) : "–", "num")));
          return table([["client"], ["rate", "num"], ["share", "num"], ["queued", "num"], ["running", "num"],
                        ["fair-queue delay", "num"]], rows, "No clients yet.");
        }

        function poolSection(pool, now) {
          const summary = el("div", {class: "summary"},
            el("b", {}, pool.capacity), " capacity · ",
            el("b", {}, pool.workers.filter(w => w.state !== "inactive").length), " connected · ",
            el("b", {class: "queued-total"}, pool.queuedTotal), " queued (", pool.queuedUrgent, " urgent) · ",
            pool.jobsSubmitted, " submitted, ", pool.jobsAccepted, " started, ", pool.jobsCancelled,
            " cancelled since start");
          return el("section", {class: "pool", "data-pool": pool.name},
            el("h2", {}, pool.name), summary,
            el("div", {class: "grid"},
              el("div", {}, el("h3", {}, "Workers"), workersTable(pool, now)),
              el("div", {}, el("h3", {}, "Clients"), clientsTable(pool))),
            el("h3", {}, "Queue"), queueTable(pool));
        }

        function recentSection(status) {
          const rows = status.recentJobs.map(job => el("tr", {"data-outcome": job.outcome},
            cell(ago(status.time, job.finished)),
            cell(job.pool), cell(job.client), cell(job.worker === undefined ? "–" : job.worker),
            el("td", {}, el("span", {class: "badge " + job.outcome}, job.outcome)),
            cell(duration(job.waited), "num"), cell(duration(job.duration), "num")));
          return el("section", {class: "recent"}, el("h2", {}, "Recent jobs"),
            table([["finished"], ["pool"], ["client"], ["worker"], ["outcome"], ["waited", "num"],
                   ["ran", "num"]], rows, "No job has finished yet."));
        }

        function render(status) {
          const main = document.getElementById("pools");
          main.replaceChildren(...status.pools.map(pool => poolSection(pool, status.time)), recentSection(status));
        }

        async function poll() {
          const conn = document.getElementById("conn");
          try {
            const response = await fetch("api/status", {cache: "no-store"});
            if (!response.ok) throw new Error("HTTP " + response.status);
            const status = await response.json();
            render(status);
            window.statusUpdates = (window.statusUpdates || 0) + 1;
            conn.className = "";
            conn.textContent = "live · updated " + new Date(status.time * 1000).toLocaleTimeString();
          } catch (error) {
            conn.className = "down";
            conn.textContent = "cannot reach the scheduler (" + error.message + "), retrying";
          }
          setTimeout(poll, pollMillis);
        }
        poll();
        </script>
        </body>
        </html>

        """#
}
