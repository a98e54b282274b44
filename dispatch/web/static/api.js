// The one API client every screen uses: sign-in, JSON requests, errors next to fields, the resuming stream.
// Public API only; the bearer token lives in sessionStorage (gone when the tab closes) and never in a URL.

const TOKEN_KEY = "dispatch.token";
const ROLE_KEY = "dispatch.role";
const USER_KEY = "dispatch.username";

export const config = JSON.parse(document.body.dataset.config || "{}");

export class ApiError extends Error {
  constructor(status, error) {
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "http_error";
    this.field = error.field || null;
    this.details = error.details || {};
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function currentRole() {
  return sessionStorage.getItem(ROLE_KEY);
}

export function currentUsername() {
  return sessionStorage.getItem(USER_KEY);
}

export async function signIn(username, password) {
  const form = new URLSearchParams({ username, password });
  const response = await fetch("/api/auth/token", { method: "POST", body: form });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body.error || {});
  sessionStorage.setItem(TOKEN_KEY, body.access_token);
  sessionStorage.setItem(ROLE_KEY, body.role);
  sessionStorage.setItem(USER_KEY, username);
  return body;
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(ROLE_KEY);
  sessionStorage.removeItem(USER_KEY);
  goToSignIn();
}

export function goToSignIn() {
  const next = location.pathname + location.search + location.hash;
  location.assign("/console/login?next=" + encodeURIComponent(next));
}

// Send to sign-in unless signed in with one of `roles`; returns the role, or null while leaving the page.
export function requireSignIn(roles) {
  const role = currentRole();
  if (!token() || (roles && !roles.includes(role))) {
    goToSignIn();
    return null;
  }
  return role;
}

// One JSON request. Resolves to {data, headers, status}; rejects with an ApiError (the API's error shape).
export async function request(method, path, { body, query, headers } = {}) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, item);
  }
  const init = { method, headers: { Accept: "application/json", ...(headers || {}) } };
  if (token()) init.headers.Authorization = "Bearer " + token();
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    throw new ApiError(0, { code: "network", message: "网络错误 / Network error" });
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (err) {
    data = null;
  }
  if (response.status === 401 && path !== "/api/auth/token") {
    signOut();
  }
  if (!response.ok) throw new ApiError(response.status, (data && data.error) || {});
  return { data, headers: response.headers, status: response.status };
}

export const get = (path, query) => request("GET", path, { query }).then((r) => r.data);
export const post = (path, body) => request("POST", path, { body }).then((r) => r.data);

// Put an ApiError's message next to the field it names, inside `form`; fields are matched by
// `data-error-for` (exact, then the longest dotted prefix, e.g. "location.lat" -> "location"), else "_form".
export function showError(form, error) {
  clearErrors(form);
  const messages = [];
  const problems = (error.details && error.details.errors) || [];
  if (error.field) messages.push([error.field, error.message]);
  for (const p of problems.slice(1)) messages.push([p.field, p.message]);
  if (!messages.length) messages.push(["_form", error.message]);
  for (const [field, message] of messages) {
    const slot = errorSlot(form, field);
    slot.textContent = slot.textContent ? slot.textContent + "；" + message : message;
    slot.classList.add("shown");
    const input = slot.closest("label")?.querySelector("input, select, textarea");
    if (input) input.setAttribute("aria-invalid", "true");
  }
  // Take the agent to the first problem.
  const first = form.querySelector("[data-error-for].shown");
  if (first) {
    first.scrollIntoView({ block: "center" });
    first.closest("label")?.querySelector("input, select, textarea")?.focus({ preventScroll: true });
  }
}

// "1:05" for a countdown.
export function formatCountdown(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function errorSlot(form, field) {
  let name = field || "_form";
  while (name) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (slot) return slot;
    name = name.includes(".") ? name.slice(0, name.lastIndexOf(".")) : "";
  }
  return form.querySelector('[data-error-for="_form"]');
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll("[data-error-for]")) {
    slot.textContent = "";
    slot.classList.remove("shown");
  }
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

// Times are shown in the deployment's display timezone (Asia/Shanghai).
const timeFormat = new Intl.DateTimeFormat("zh-CN", {
  timeZone: config.timezone || "Asia/Shanghai",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});
const clockFormat = new Intl.DateTimeFormat("zh-CN", {
  timeZone: config.timezone || "Asia/Shanghai",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});

export function formatTime(iso) {
  return iso ? timeFormat.format(new Date(iso)) : "";
}

export function formatClock(iso) {
  return iso ? clockFormat.format(new Date(iso)) : "";
}

// A calendar date in the display timezone (YYYY-MM-DD, as <input type="date"> and the API take it).
const dateFormat = new Intl.DateTimeFormat("en-CA", { timeZone: config.timezone || "Asia/Shanghai" });

export function localDate(days = 0) {
  return dateFormat.format(new Date(Date.now() + days * 86400000));
}

// "12 分 / 12 min", "1 时 05 分 / 1 h 05 min"
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const negative = seconds < 0;
  const s = Math.abs(Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const text = h ? `${h} 时 ${String(m).padStart(2, "0")} 分` : s < 60 ? `${s} 秒` : `${m} 分`;
  return (negative ? "-" : "") + text;
}

// A live stream (`/api/streams/...`) that signs in with its first message, remembers the last event id,
// and after a drop reconnects with `last_event_id` so nothing is missed or repeated.
// onStatus receives "connecting" | "live" | "reconnecting" | "closed".
export class LiveStream {
  constructor(path, { query = {}, onEvent = () => {}, onStatus = () => {}, onReady = () => {} } = {}) {
    this.path = path;
    this.query = query;
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.onReady = onReady;
    this.lastEventId = null;
    this.retryMs = 500;
    this.stopped = false;
    this.socket = null;
    this.timer = null;
  }

  start(lastEventId = null) {
    if (lastEventId !== null) this.lastEventId = lastEventId;
    this.stopped = false;
    this._connect("connecting");
    return this;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000);
    this.onStatus("closed");
  }

  // Drop the connection as a network failure would (used by tests and by "reconnect now").
  drop() {
    if (this.socket) this.socket.close(4000, "dropped by client");
  }

  _url() {
    const url = new URL(this.path, location.origin);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    for (const [key, value] of Object.entries(this.query)) {
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, item);
    }
    if (this.lastEventId !== null) url.searchParams.set("last_event_id", String(this.lastEventId));
    return url;
  }

  _connect(status) {
    this.onStatus(status);
    const socket = new WebSocket(this._url());
    this.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify({ type: "auth", token: token() }));
    socket.onmessage = (message) => this._receive(JSON.parse(message.data));
    socket.onclose = (event) => this._closed(socket, event);
  }

  _receive(envelope) {
    if (envelope.type === "stream.ready") {
      // A fresh start resumes, after a drop, from where the server said this stream began.
      if (this.lastEventId === null && envelope.payload) this.lastEventId = envelope.payload.last_event_id ?? 0;
      this.retryMs = 500;
      this.onStatus("live");
      this.onReady(envelope);
      return;
    }
    if (envelope.type === "stream.heartbeat") return;
    if (envelope.event_id !== null && envelope.event_id !== undefined) {
      if (this.lastEventId !== null && envelope.event_id <= this.lastEventId) return;
      this.lastEventId = envelope.event_id;
    }
    this.onEvent(envelope);
  }

  _closed(socket, event) {
    if (socket !== this.socket || this.stopped) return;
    if (event.code === 1008) {
      // Bad or expired token: signing in again is the only way forward.
      this.onStatus("closed");
      signOut();
      return;
    }
    this.onStatus("reconnecting");
    const delay = event.code === 4008 ? 0 : this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 10000);
    this.timer = setTimeout(() => this._connect("reconnecting"), delay);
  }
}

export const STREAM_STATUS_TEXT = {
  connecting: "连接中 / connecting",
  live: "实时 / live",
  reconnecting: "重新连接中 / reconnecting",
  closed: "已断开 / disconnected",
};

// Small DOM builder: h("td", {class: "x"}, "text", child)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}
