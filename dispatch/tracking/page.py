"""The owner's tracking page: plain HTML and a few lines of script, no CDN (rural phones, slow links)."""

from __future__ import annotations

import html
import json

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>服务进度 / Service tracking</title>
<style>
body { font-family: sans-serif; max-width: 30em; margin: 1.5em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.3em; } .status { font-size: 1.4em; margin: .6em 0; } .muted { color: #777; }
dt { color: #555; margin-top: .6em; } dd { margin: 0; font-size: 1.1em; }
</style></head>
<body>
<h1>服务进度 <span class="muted">/ Service tracking</span></h1>
<div id="ref" class="muted"></div>
<div id="status" class="status">加载中… / Loading…</div>
<dl id="facts"></dl>
<p id="live" class="muted"></p>
<script>
const token = __TOKEN__;
const fmt = (iso) => iso ? new Date(iso).toLocaleString("zh-CN", {timeZone: "Asia/Shanghai",
  month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit"}) : "";
let lastEventId = null, retry = 1000;
function show(v) {
  document.getElementById("ref").textContent = v.reference;
  document.getElementById("status").textContent = v.status_text;
  const rows = [];
  const minutes = v.eta_s != null ? Math.max(1, Math.round(v.eta_s / 60)) : null;
  const about = minutes != null ? "（约 " + minutes + " 分钟 / ~" + minutes + " min）" : "";
  if (v.eta_at) rows.push(["预计到达 / ETA", fmt(v.eta_at) + about]);
  if (v.stops_before_yours != null) rows.push(["您前面还有 / Stops before yours", v.stops_before_yours]);
  if (v.window_start) rows.push(["预约时段 / Window", fmt(v.window_start) + " – " + fmt(v.window_end)]);
  if (v.technician_first_name) rows.push(["技师 / Technician", v.technician_first_name]);
  const p = v.van_position;
  if (p) rows.push(["车辆位置 / Van position",
    p.lat.toFixed(4) + ", " + p.lon.toFixed(4) + "（" + fmt(p.recorded_at) + "）"]);
  rows.push(["联系电话 / Your phone", v.contact_phone_masked]);
  const dl = document.getElementById("facts"); dl.replaceChildren();
  for (const [k, val] of rows) {
    const dt = document.createElement("dt"); dt.textContent = k;
    const dd = document.createElement("dd"); dd.textContent = val; dl.append(dt, dd);
  }
}
function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const q = lastEventId != null ? "?last_event_id=" + lastEventId : "";
  const path = "/api/track/" + encodeURIComponent(token) + "/ws";
  const ws = new WebSocket(scheme + "://" + location.host + path + q);
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data); retry = 1000;
    if (msg.type === "tracking.snapshot" || msg.type === "tracking.update") {
      lastEventId = msg.event_id; show(msg.payload);
      document.getElementById("live").textContent = "实时更新中 / Live";
    }
  };
  ws.onclose = (e) => {
    if (e.code === 1008) {
      document.getElementById("status").textContent = "链接无效或已过期 / Link invalid or expired";
      document.getElementById("live").textContent = ""; return;
    }
    document.getElementById("live").textContent = "重新连接中… / Reconnecting…";
    setTimeout(connect, retry); retry = Math.min(retry * 2, 30000);
  };
}
connect();
</script>
</body></html>
"""


def tracking_page(token: str) -> str:
    # The token is embedded as a JSON string literal, HTML-escaped: it cannot break out of the script.
    return _PAGE.replace("__TOKEN__", html.escape(json.dumps(token), quote=False))
