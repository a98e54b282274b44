// The board: open jobs, those needing attention first, then the most urgent and newest.
// Rows are replaced only when their job changes, and moved only when the order changes.
import { formatClock, formatCountdown, formatDuration, formatTime, h, request } from "../api.js";
import { FAULT, OPEN_STATUSES, STATUS, statusText } from "./texts.js";

const PRIORITY_RANK = { critical: 0, high: 1, normal: 2 };
const SEARCH_DELAY_MS = 300;
const CLOSED_SHOWN = 20;

// Why a job needs an agent now, or null.
export function attentionOf(job, now = Date.now()) {
  if (job.needs_attention) return job.attention_reason || "需要处理 / Needs attention";
  if (job.status === "uncovered") return "无车覆盖 / Uncovered";
  if (job.eta_at && job.promised_eta_at && Date.parse(job.eta_at) > Date.parse(job.promised_eta_at) + 60000) {
    return "预计到达晚于承诺 / ETA slipping";
  }
  if (job.promised_eta_at && Date.parse(job.promised_eta_at) < now && ["accepted", "en_route"].includes(job.status)) {
    return "已超过承诺时间 / Past the promised ETA";
  }
  return null;
}

function compareJobs(a, b) {
  const attentionA = attentionOf(a) ? 0 : 1;
  const attentionB = attentionOf(b) ? 0 : 1;
  if (attentionA !== attentionB) return attentionA - attentionB;
  const priority = (PRIORITY_RANK[a.priority] ?? 3) - (PRIORITY_RANK[b.priority] ?? 3);
  if (priority) return priority;
  return Date.parse(b.created_at) - Date.parse(a.created_at);
}

export class Board {
  constructor({ root, store, fleet, onOpen }) {
    this.store = store;
    this.fleet = fleet;
    this.onOpen = onOpen;
    this.filters = { status: "", city: "", search: "" };
    this.rows = new Map();
    this.tbody = h("tbody");
    this.count = h("span", { id: "board-count", class: "muted" });
    this.citySelect = h("select", { id: "filter-city", "aria-label": "城市 / City" });
    this.statusSelect = h(
      "select",
      { id: "filter-status", "aria-label": "状态 / Status" },
      h("option", { value: "" }, "全部进行中 / All open"),
      h("option", { value: "attention" }, "需关注 / Needs attention"),
      OPEN_STATUSES.map((s) => h("option", { value: s }, STATUS[s])),
    );
    this.searchInput = h("input", {
      id: "search",
      type: "search",
      placeholder: "单号、电话、车牌 / Reference, phone, plate  ( / )",
    });
    this.citySelect.addEventListener("change", () => this._setFilter("city", this.citySelect.value));
    this.statusSelect.addEventListener("change", () => this._setFilter("status", this.statusSelect.value));
    this.searchInput.addEventListener("input", () => {
      this._setFilter("search", this.searchInput.value.trim());
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => this.searchClosed(), SEARCH_DELAY_MS);
    });
    this.closedBox = h("div", { class: "closed-results", id: "closed-results", hidden: true });
    root.append(
      h("div", { class: "board-filters" }, this.statusSelect, this.citySelect, this.searchInput, this.count),
      h(
        "div",
        { class: "board-scroll" },
        h(
          "table",
          { class: "grid board", id: "board" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["单号 / Ref", "状态 / Status", "故障 / Fault", "位置 / Location", "救援车 / Van",
                "预计 / ETA · 承诺 / Promised", "派单倒计时 / Offer", "时长 / Age"].map((t) => h("th", {}, t)),
            ),
          ),
          this.tbody,
        ),
        this.closedBox,
      ),
    );
    store.subscribe((ids) => this.update(ids));
    setInterval(() => this.tick(), 1000);
  }

  _setFilter(name, value) {
    this.filters[name] = value;
    this.update(null);
  }

  // Closed jobs are not on the board: the search asks the API for them (phone, plate, VIN, reference).
  async searchClosed() {
    const q = this.filters.search;
    if (q.length < 2) {
      this.closedBox.hidden = true;
      this.closedBox.replaceChildren();
      return;
    }
    let jobs = [];
    let total = 0;
    try {
      const { data, headers } = await request("GET", "/api/call-center/jobs", {
        query: { q: q.slice(0, 40), open: false, limit: CLOSED_SHOWN },
      });
      jobs = data;
      total = Number(headers.get("X-Total-Count") || data.length);
    } catch (error) {
      jobs = [];
    }
    if (q !== this.filters.search) return; // the agent typed on meanwhile
    this.closedBox.hidden = false;
    this.closedBox.replaceChildren(
      h("h3", {}, "已关闭的匹配 ", h("span", { class: "en" }, `Closed jobs matching (${total})`)),
      jobs.length
        ? h("table", { class: "grid compact" }, h("tbody", {}, jobs.map((job) =>
            h("tr", { dataset: { jobId: job.id, reference: job.reference }, onclick: () => this.onOpen(job.id) },
              h("td", {}, h("a", { href: `#job/${job.id}`, class: "ref" }, job.reference)),
              h("td", {}, h("span", { class: `status s-${job.status}` }, statusText(job.status))),
              h("td", {}, job.vehicle_plate || job.vehicle_vin || ""),
              h("td", {}, job.caller_phone),
              h("td", { class: "muted" }, job.closed_at ? formatTime(job.closed_at) : "")))))
        : h("p", { class: "muted" }, "无 / None"),
    );
  }

  focusSearch() {
    this.searchInput.focus();
    this.searchInput.select();
  }

  _visible(job) {
    if (!OPEN_STATUSES.includes(job.status)) return false;
    const f = this.filters;
    if (f.status === "attention" && !attentionOf(job)) return false;
    if (f.status && f.status !== "attention" && job.status !== f.status) return false;
    if (f.city && job.city_adcode !== f.city) return false;
    if (f.search) {
      const needle = f.search.toUpperCase().replace(/\s+/g, "");
      const van = this.fleet.vanOf(job);
      const haystack = [job.reference, job.caller_phone, job.vehicle_plate, job.vehicle_vin, van && van.plate]
        .filter(Boolean)
        .map((s) => String(s).toUpperCase().replace(/\s+/g, ""));
      if (!haystack.some((s) => s.includes(needle))) return false;
    }
    return true;
  }

  // Re-render the rows of `ids` (all rows when null), then put the rows in order.
  update(ids) {
    const all = [...this.store.jobs.values()];
    const visible = all.filter((job) => this._visible(job)).sort(compareJobs);
    const keep = new Set(visible.map((job) => job.id));
    for (const [id, row] of this.rows) {
      if (!keep.has(id)) {
        row.remove();
        this.rows.delete(id);
      }
    }
    const changed = ids ? new Set(ids) : null;
    visible.forEach((job, index) => {
      let row = this.rows.get(job.id);
      if (!row || !changed || changed.has(job.id)) {
        const fresh = this._row(job);
        this.tick(fresh);
        if (row) row.replaceWith(fresh);
        row = fresh;
        this.rows.set(job.id, row);
      }
      const at = this.tbody.children[index];
      if (at !== row) this.tbody.insertBefore(row, at || null);
    });
    this.count.textContent = `${visible.length} 单 / jobs`;
    if (!ids) this._fillCities(all);
  }

  _fillCities(jobs) {
    const cities = new Map();
    for (const job of jobs) {
      if (job.city_adcode && OPEN_STATUSES.includes(job.status)) {
        cities.set(job.city_adcode, this.fleet.cityName(job.city_adcode) || job.city_adcode);
      }
    }
    const current = this.citySelect.value;
    this.citySelect.replaceChildren(
      h("option", { value: "" }, "全部城市 / All cities"),
      ...[...cities.entries()].sort().map(([code, name]) => h("option", { value: code }, name)),
    );
    this.citySelect.value = current;
  }

  _row(job) {
    const attention = attentionOf(job);
    const van = this.fleet.vanOf(job);
    const crew = (van && van.crew) || [];
    const offerExpiry = this.store.offerExpiry.get(job.id);
    const etaLate = job.eta_at && job.promised_eta_at && Date.parse(job.eta_at) > Date.parse(job.promised_eta_at);
    return h(
      "tr",
      {
        class: attention ? "attention" : null,
        dataset: { jobId: job.id, status: job.status, reference: job.reference },
        onclick: () => this.onOpen(job.id),
      },
      h(
        "td",
        {},
        h("a", { href: `#job/${job.id}`, class: "ref" }, job.reference),
        job.priority !== "normal" ? h("span", { class: "badge late" }, job.priority === "critical" ? "紧急" : "高") : null,
      ),
      h(
        "td",
        {},
        h("span", { class: `status s-${job.status}` }, statusText(job.status)),
        attention ? h("div", { class: "badge attention" }, attention) : null,
      ),
      h("td", {}, FAULT[job.fault_category] || job.fault_category, h("div", { class: "muted" }, job.vehicle_plate || "")),
      h("td", {}, job.address || `${job.lat.toFixed(4)}, ${job.lon.toFixed(4)}`),
      h(
        "td",
        {},
        van ? van.plate : job.van_id ? `#${job.van_id}` : "—",
        crew.map((c) => h("div", { class: "muted" }, `${c.name} ${c.phone || ""}`)),
      ),
      h(
        "td",
        { class: etaLate ? "late" : null },
        job.eta_at ? formatClock(job.eta_at) : "—",
        job.promised_eta_at ? h("span", { class: "muted" }, ` / ${formatClock(job.promised_eta_at)}`) : null,
      ),
      h("td", { class: "countdown", dataset: offerExpiry && job.status === "offered" ? { until: offerExpiry } : {} }),
      h("td", { class: "age", dataset: { since: job.created_at } }),
    );
  }

  // Ages and offer countdowns move every second without re-rendering rows.
  tick(root = this.tbody) {
    const now = Date.now();
    for (const cell of root.querySelectorAll("td.age")) {
      cell.textContent = formatDuration((now - Date.parse(cell.dataset.since)) / 1000);
    }
    for (const cell of root.querySelectorAll("td.countdown[data-until]")) {
      const left = (Date.parse(cell.dataset.until) - now) / 1000;
      cell.textContent = left > 0 ? formatCountdown(left) : "已超时 / expired";
      cell.classList.toggle("late", left <= 15);
    }
  }
}
