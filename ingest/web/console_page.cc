// The web console page: one HTML document with its CSS and JavaScript, no framework, nothing
// loaded from elsewhere (hls.js comes from this server when it was built in).
#include "ingest/web/console_assets.h"

namespace kedge::ingest::web {
namespace {

constexpr char kPage[] = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kedge-ingest</title>
<style>
:root { --fg:#1d2330; --muted:#667085; --line:#e3e6ec; --accent:#1f6feb; --bg:#f7f8fa; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; align-items:baseline; gap:1em; padding:.8em 1.2em; background:#fff; border-bottom:1px solid var(--line); }
header h1 { font-size:1.15em; margin:0; }
header .note { color:var(--muted); font-size:.9em; }
main { display:grid; grid-template-columns: minmax(280px, 1fr) 2fr; gap:1em; padding:1em 1.2em; }
section { background:#fff; border:1px solid var(--line); border-radius:6px; padding:.8em 1em; margin-bottom:1em; }
h2 { font-size:1em; margin:.1em 0 .6em; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:.25em .5em; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:500; font-size:.85em; }
td.num { text-align:right; font-variant-numeric: tabular-nums; }
tr.pick { cursor:pointer; } tr.pick:hover { background:#eef4ff; } tr.sel { background:#e2ecff; }
button { font:inherit; padding:.15em .6em; border:1px solid var(--line); border-radius:4px; background:#fff; cursor:pointer; }
button:hover { border-color:var(--accent); }
video { width:100%; max-height:60vh; background:#000; border-radius:4px; }
#timeline { position:relative; height:34px; background:#f0f2f5; border-radius:4px; margin:.5em 0; overflow:hidden; }
#timeline div { position:absolute; top:4px; bottom:4px; border-radius:2px; cursor:pointer; background:#7aa7f5; }
#timeline div.s1 { background:#9ad0a8; } #timeline div:hover { outline:2px solid var(--accent); }
.muted { color:var(--muted); } .err { color:#b42318; }
pre, code { font:12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
td.data { max-width:38em; overflow-wrap:anywhere; }
.empty { color:var(--muted); font-style:italic; }
@media (max-width: 900px) { main { grid-template-columns: 1fr; } }
</style></head>
<body>
<header><h1>kedge-ingest</h1><span class="note" id="engine-note"></span><span class="note" id="conn"></span></header>
<main>
<div>
<section><h2>Video streams</h2><table><thead><tr><th>Stream</th><th>Fragments</th><th>Stored</th><th></th></tr></thead>
<tbody id="video-list"></tbody></table></section>
<section><h2>Data streams (Kinesis)</h2><table><thead><tr><th>Stream</th><th>Shards</th><th>Records</th></tr></thead>
<tbody id="data-list"></tbody></table></section>
<section><h2>Firehose delivery streams</h2><table><tbody id="firehose-list"></tbody></table></section>
</div>
<div>
<section id="player-panel"><h2 id="player-title">Player</h2>
<video id="player" controls muted playsinline></video>
<div id="player-state" data-state="idle" data-current-time="0" class="muted">Pick a video stream: Live, or a fragment on its timeline.</div>
<div id="timeline" title="Fragments, oldest left; click one to play from there"></div>
<div id="timeline-legend" class="muted"></div>
</section>
<section id="detail-panel"><h2 id="detail-title">Records</h2><div id="detail" class="empty">Pick a data or delivery stream to see what arrived.</div></section>
</div>
</main>
<script src="console/hls.min.js"></script>
<script>
"use strict";
const token = new URLSearchParams(location.search).get("token") || "";
const $ = id => document.getElementById(id);
const video = $("player"), state = $("player-state");
let hls = null, current = null, detail = null, hlsjsBuilt = true;

function api(path) {
  return fetch(path, { headers: token ? { "X-Kedge-Console-Token": token } : {}, cache: "no-store" })
    .then(r => r.ok ? r.json() : r.text().then(t => { throw new Error(r.status + " " + t); }));
}
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
function bytes(n) {
  const u = ["B", "KiB", "MiB", "GiB", "TiB"]; let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + " " + u[i];
}
const time = ms => ms ? new Date(ms).toLocaleTimeString([], { hour12: false }) : "";
const stamp = ms => ms ? new Date(ms).toISOString().replace("T", " ").slice(0, 23) : "";
function setState(s, text) {
  state.dataset.state = s;
  state.className = s === "error" ? "err" : "muted";
  state.textContent = text;
}

// ---- the player ------------------------------------------------------------------------
function engine() {
  if (window.Hls && Hls.isSupported()) return "hls.js";
  if (video.canPlayType("application/vnd.apple.mpegurl")) return "native";
  return "none";
}
function stopPlayer() {
  if (hls) { hls.destroy(); hls = null; }
  video.removeAttribute("src"); video.load();
}
async function play(stream, fromMs) {
  const mode = fromMs == null ? "LIVE" : "ON_DEMAND";
  current = { stream, mode, fromMs };
  location.hash = "video=" + encodeURIComponent(stream) + (fromMs == null ? "" : "&from=" + fromMs);
  $("player-title").textContent = stream + (mode === "LIVE" ? " — live" : " — from " + stamp(fromMs));
  stopPlayer();
  state.dataset.mode = mode;
  state.dataset.engine = engine();
  if (state.dataset.engine === "none") {
    return setState("error", "This browser cannot play HLS without hls.js, and hls.js was not " +
      "built into this kedge-ingest (install the npm package hls.js and rebuild).");
  }
  setState("loading", "Opening " + mode + " session…");
  let url;
  try {
    const q = "console/api/hls?stream=" + encodeURIComponent(stream) + "&mode=" + mode +
      (fromMs == null ? "" : "&start=" + fromMs);
    url = (await api(q)).url;
  } catch (e) { return setState("error", "No HLS session: " + e.message); }
  if (token) url += "&token=" + encodeURIComponent(token);
  if (state.dataset.engine === "hls.js") {
    hls = new Hls({ liveSyncDurationCount: 2, enableWorker: true });
    hls.on(Hls.Events.ERROR, (ev, data) => {
      if (data.fatal) setState("error", "Playback error: " + data.type + " / " + data.details);
    });
    hls.loadSource(url);
    hls.attachMedia(video);
  } else {
    video.src = url;
  }
  video.play().catch(() => {});
}
video.addEventListener("timeupdate", () => {
  state.dataset.currentTime = video.currentTime.toFixed(2);
  if (!video.paused && video.currentTime > 0) {
    setState("playing", (current ? current.mode : "") + " " + video.currentTime.toFixed(1) + " s via " + state.dataset.engine);
  }
});
video.addEventListener("error", () => {
  const e = video.error; if (e) setState("error", "The browser could not play it (" + (e.message || e.code) + ")");
});

// ---- lists -------------------------------------------------------------------------------
function selectRow(tbody, name) {
  for (const tr of tbody.children) tr.classList.toggle("sel", tr.dataset.name === name);
}
function renderVideo(list) {
  const body = $("video-list");
  body.replaceChildren(...(list.length ? list.map(s => el("tr", { "data-name": s.name },
      el("td", {}, s.name, el("div", { class: "muted" }, s.fragments ? time(s.first_ms) + " – " + time(s.last_ms) : "no fragments yet")),
      el("td", { class: "num" }, s.fragments), el("td", { class: "num" }, bytes(s.bytes)),
      el("td", {}, el("button", { onclick: () => play(s.name, null), "data-play": s.name }, "Live")))) :
    [el("tr", {}, el("td", { class: "empty", colspan: 4 }, "No video streams yet."))]));
  if (current) selectRow(body, current.stream);
}
function renderData(list) {
  const body = $("data-list");
  body.replaceChildren(...(list.length ? list.map(s => el("tr", { class: "pick", "data-name": s.name, onclick: () => showRecords(s.name) },
      el("td", {}, s.name), el("td", { class: "num" }, s.shards), el("td", { class: "num" }, s.records))) :
    [el("tr", {}, el("td", { class: "empty", colspan: 3 }, "No data streams yet."))]));
  if (detail && detail.kind === "records") selectRow(body, detail.name);
}
function renderFirehose(list) {
  const body = $("firehose-list");
  body.replaceChildren(...(list.length ? list.map(s => el("tr", { class: "pick", "data-name": s.name, onclick: () => showDeliveries(s.name) },
      el("td", {}, s.name))) :
    [el("tr", {}, el("td", { class: "empty" }, "No delivery streams yet."))]));
  if (detail && detail.kind === "deliveries") selectRow(body, detail.name);
}
function dataCell(r) {
  if (r.text != null) return el("td", { class: "data" }, el("code", {}, r.text + (r.truncated ? " …" : "")));
  return el("td", { class: "data" }, el("code", { class: "muted" }, "base64 " + r.base64 + (r.truncated ? " …" : "")));
}
async function showRecords(name) {
  detail = { kind: "records", name };
  $("detail-title").textContent = "Newest records of " + name;
  const r = await api("console/api/records?stream=" + encodeURIComponent(name) + "&limit=50");
  if (!detail || detail.name !== name) return;
  $("detail").className = "";
  $("detail").replaceChildren(r.records.length ? el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "Arrived"), el("th", {}, "Shard"), el("th", {}, "Partition key"), el("th", {}, "Data"))),
      el("tbody", { id: "records" }, ...r.records.map(x => el("tr", { title: "sequence " + x.sequence },
        el("td", {}, time(x.arrival_ms)), el("td", {}, x.shard.replace("shardId-", "")), el("td", {}, x.partition_key), dataCell(x))))) :
    el("div", { class: "empty" }, "No records yet."));
}
async function showDeliveries(name) {
  detail = { kind: "deliveries", name };
  $("detail-title").textContent = "Firehose " + name;
  const r = await api("console/api/deliveries?stream=" + encodeURIComponent(name) + "&limit=10");
  if (!detail || detail.name !== name) return;
  $("detail").className = "";
  $("detail").replaceChildren(
    el("div", { class: "muted" }, r.file_count + " files; newest first"),
    el("table", {}, el("tbody", {}, ...r.files.map(f => el("tr", {}, el("td", {}, el("code", {}, f.path)), el("td", { class: "num" }, bytes(f.bytes)))))),
    el("h2", {}, "Newest lines of the newest file"),
    r.newest_lines.length ? el("table", {}, el("tbody", { id: "records" }, ...r.newest_lines.map(x => el("tr", {}, dataCell(x))))) :
      el("div", { class: "empty" }, "empty"));
}

// ---- the fragment timeline ---------------------------------------------------------------
async function drawTimeline() {
  if (!current) return;
  const r = await api("console/api/fragments?stream=" + encodeURIComponent(current.stream) + "&limit=300");
  const box = $("timeline"), f = r.fragments;
  if (!f.length) { box.replaceChildren(); $("timeline-legend").textContent = "No fragments stored yet."; return; }
  const first = f[0].producer_ms, last = f[f.length - 1].producer_ms + f[f.length - 1].duration_ms;
  const span = Math.max(1, last - first);
  let sessions = 0, prev = null;
  box.replaceChildren(...f.map(x => {
    if (prev !== null && x.session !== prev) sessions++;
    prev = x.session;
    const left = (x.producer_ms - first) / span * 100, width = Math.max(0.2, x.duration_ms / span * 100 - 0.1);
    return el("div", { class: "s" + (sessions % 2), style: "left:" + left + "%;width:" + width + "%",
      title: stamp(x.producer_ms) + ", " + x.duration_ms + " ms, " + bytes(x.bytes) + "\nfragment " + x.number,
      "data-from": x.producer_ms, onclick: () => play(current.stream, x.producer_ms) });
  }));
  $("timeline-legend").textContent = f.length + " newest fragments, " + stamp(first) + " to " + stamp(last) +
    (sessions ? "; colours change where a new upload session began" : "") + ". Click one to play from there.";
}

async function refresh() {
  try {
    const s = await api("console/api/streams");
    $("conn").textContent = "";
    hlsjsBuilt = s.hlsjs;
    $("engine-note").textContent = s.hlsjs ? "" :
      "hls.js was not built in: video plays only where the browser has HLS of its own (Safari, recent Chromium).";
    renderVideo(s.video); renderData(s.data); renderFirehose(s.firehose);
    if (detail) await (detail.kind === "records" ? showRecords(detail.name) : showDeliveries(detail.name));
    await drawTimeline();
  } catch (e) {
    $("conn").textContent = "cannot reach kedge-ingest: " + e.message;
  }
}

function fromHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  if (h.get("video")) play(h.get("video"), h.get("from") ? Number(h.get("from")) : null);
  if (h.get("records")) showRecords(h.get("records"));
  if (h.get("firehose")) showDeliveries(h.get("firehose"));
}
refresh().then(fromHash);
setInterval(refresh, 2000);
</script>
</body></html>
)html";

}  // namespace

const std::string_view kConsolePage(kPage, sizeof(kPage) - 1);

}  // namespace kedge::ingest::web
