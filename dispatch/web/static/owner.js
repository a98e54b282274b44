// The owner's tracking page (/track/{token}): status, ETA and a small map with the destination and, while
// the van is on its way, the van. Fed by the owner's websocket; every message is the whole view, so after
// a drop the page reconnects (with its last event id) and is whole again on the first message.
import { config, formatClock, formatDuration, h } from "./api.js";
import { createMap, toMap } from "./map.js";

const L = window.L;
const root = document.getElementById("owner");
const token = root.dataset.token;
const live = document.getElementById("live");
const LIVE_TEXT = {
  connecting: "连接中 / connecting",
  live: "实时 / live",
  reconnecting: "重新连接中 / reconnecting",
  closed: "链接无效或已过期 / link invalid or expired",
};

const map = createMap(document.getElementById("map"), { zoom: 11 });
map.attributionControl.setPrefix(false);
let destinationMarker = null;
let vanMarker = null;
let framed = "";

function label(className, text) {
  return L.divIcon({ className: "owner-pin " + className, html: `<span>${text}</span>`, iconSize: null });
}

function showMap(view) {
  const destination = view.destination;
  if (destination && !destinationMarker) {
    destinationMarker = L.marker(toMap(destination.lat, destination.lon), {
      icon: label("destination", "您的位置 <small>You</small>"),
      keyboard: false,
    }).addTo(map);
  }
  const van = view.van_position;
  if (van) {
    const at = toMap(van.lat, van.lon);
    if (vanMarker) vanMarker.setLatLng(at);
    else vanMarker = L.marker(at, { icon: label("van", "服务车 <small>Van</small>"), keyboard: false }).addTo(map);
  } else if (vanMarker) {
    vanMarker.remove();
    vanMarker = null;
  }
  // Frame the destination (and the van) when what is shown changes, not on every ping.
  const key = (destination ? "d" : "") + (van ? "v" : "");
  if (key === framed) return;
  framed = key;
  const points = [destination && toMap(destination.lat, destination.lon), van && toMap(van.lat, van.lon)];
  const shown = points.filter(Boolean);
  if (shown.length === 2) map.fitBounds(shown, { padding: [40, 40], maxZoom: 15 });
  else if (shown.length === 1) map.setView(shown[0], 14);
}

const dayFormat = new Intl.DateTimeFormat("zh-CN", {
  timeZone: config.timezone || "Asia/Shanghai",
  month: "numeric",
  day: "numeric",
});

// "12月3日 10:00"
function dayAndClock(iso) {
  const parts = Object.fromEntries(dayFormat.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.month}月${parts.day}日 ${formatClock(iso)}`;
}

function etaText(view) {
  // A plan's arrival time is shown as "planned arrival" with its date; the ETA row is for a van on its way.
  if (!view.eta_at || view.eta_source === "plan") return null;
  const minutes = view.eta_s !== null && view.eta_s !== undefined ? formatDuration(Math.max(60, view.eta_s)) : "";
  return `${formatClock(view.eta_at)}（约 ${minutes}）`;
}

function fact(name, english, value, id) {
  if (value === null || value === undefined || value === "") return null;
  return [h("dt", {}, name, " ", h("span", { class: "en" }, english)), h("dd", { id }, String(value))];
}

function showFacts(view) {
  document.getElementById("reference").textContent = view.reference;
  const status = document.getElementById("status");
  status.textContent = view.status_text;
  status.dataset.status = view.status;
  const window_ = view.window_start && `${dayAndClock(view.window_start)}–${formatClock(view.window_end)}`;
  const arrival =
    view.planned_arrival_at && view.kind === "booking" ? dayAndClock(view.planned_arrival_at) : null;
  const rows = [
    fact("预计到达", "ETA", etaText(view), "eta"),
    fact("预约时段", "Your window", window_, "window"),
    fact("计划到达", "Planned arrival", arrival, "planned"),
    fact("您前面还有", "Stops before yours", view.stops_before_yours !== null && view.stops_before_yours !== undefined
      ? `${view.stops_before_yours} 个 / ${view.stops_before_yours} stop${view.stops_before_yours === 1 ? "" : "s"}`
      : null, "stops-before"),
    fact("技师", "Technician", view.technician_first_name, "technician"),
    fact("车辆位置更新于", "Van seen at", view.van_position && formatClock(view.van_position.recorded_at), "van-seen"),
    fact("您的电话", "Your phone", view.contact_phone_masked, "phone"),
  ];
  document.getElementById("facts").replaceChildren(...rows.filter(Boolean).flat());
}

function setLive(status) {
  live.dataset.status = status;
  live.textContent = LIVE_TEXT[status];
}

let lastEventId = null;
let retryMs = 1000;
function connect(status) {
  setLive(status);
  const url = new URL(`/api/track/${encodeURIComponent(token)}/ws`, location.origin);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  if (lastEventId !== null) url.searchParams.set("last_event_id", String(lastEventId));
  const socket = new WebSocket(url);
  window.ownerTracking.socket = socket;
  socket.onmessage = (message) => {
    const envelope = JSON.parse(message.data);
    if (envelope.type !== "tracking.snapshot" && envelope.type !== "tracking.update") return;
    retryMs = 1000;
    if (envelope.event_id !== null && envelope.event_id !== undefined) lastEventId = envelope.event_id;
    setLive("live");
    showFacts(envelope.payload);
    showMap(envelope.payload);
  };
  socket.onclose = (event) => {
    if (socket !== window.ownerTracking.socket) return;
    if (event.code === 1008) {
      setLive("closed");
      document.getElementById("status").textContent = "链接无效或已过期 / This link is invalid or has expired";
      return;
    }
    setLive("reconnecting");
    setTimeout(() => connect("reconnecting"), event.code === 4008 ? 0 : retryMs);
    retryMs = Math.min(retryMs * 2, 30000);
  };
}

window.ownerTracking = { socket: null, drop: () => window.ownerTracking.socket.close(4000, "dropped by client") };
connect("connecting");
