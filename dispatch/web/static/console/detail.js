// One job: facts, candidates (ranked, and why others were left out), dispatch, timeline, tracking link,
// cancel with a reason, and corrections while the job is open (correction.js).
import { clearErrors, formatDuration, formatTime, get, h, post, showError } from "../api.js";
import { attentionOf } from "./board.js";
import { correctionForm } from "./correction.js";
import {
  CLOSED_STATUSES,
  DELIVERY,
  EVENT_KIND,
  FAULT,
  MESSAGE_TEMPLATE,
  POWERTRAIN,
  PRECISION,
  PRIORITY,
  statusText,
} from "./texts.js";

const DISPATCHABLE = ["created", "uncovered"];
const MESSAGES_RETRY_MS = 2000;
const WITH_CANDIDATES = ["created", "uncovered", "offered"]; // once a van has accepted, the ranking is history

export class JobDetail {
  constructor({ root, store, fleet, jobMap }) {
    this.root = root;
    this.store = store;
    this.fleet = fleet;
    this.jobMap = jobMap;
    this.jobId = null;
    this.candidates = null;
    this.timelineTimer = null;
    store.subscribe((ids) => {
      if (this.jobId && (ids === null || ids.includes(this.jobId))) {
        const status = this.job && this.job.status;
        if (status !== this.shownStatus) {
          this.shownStatus = status;
          this.loadCandidates();
        }
        this.renderFacts();
        clearTimeout(this.timelineTimer);
        this.timelineTimer = setTimeout(() => {
          this.loadTimeline();
          this.refreshMessages();
        }, 150);
      }
    });
  }

  get job() {
    return this.store.jobs.get(this.jobId);
  }

  async open(jobId, candidates = null) {
    // A job not on the board (closed, found by search) is read first; the panel is built once it is known.
    this.jobId = null;
    if (!this.store.jobs.has(jobId)) this.store.upsert(await get(`/api/call-center/jobs/${jobId}`));
    this.jobId = jobId;
    this.candidates = candidates;
    this.facts = h("div", { class: "facts" });
    this.candidatesBox = h("div", { class: "candidates" });
    this.timeline = h("ol", { class: "timeline" });
    this.messages = h("ol", { class: "messages", id: "job-messages" });
    this.linkBox = h("div", { class: "tracking-link" });
    this.root.replaceChildren(
      h("div", { id: "job-detail", dataset: { jobId } }, this.facts, this.candidatesBox, this.linkBox,
        this._cancelForm(), correctionForm({ job: this.job, store: this.store, jobMap: this.jobMap }),
        h("h3", {}, "时间线 ", h("span", { class: "en" }, "Timeline")), this.timeline,
        h("h3", {}, "发给车主的消息 ", h("span", { class: "en" }, "Sent to the owner")), this.messages),
    );
    this.shownStatus = this.job.status;
    this.renderFacts();
    this.jobMap.focusJob(this.job);
    await Promise.all([this.loadCandidates(candidates), this.loadTimeline(), this.loadLink()]);
    this.refreshMessages();
  }

  close() {
    clearTimeout(this.messagesTimer);
    this.jobId = null;
  }

  renderFacts() {
    const job = this.job;
    if (!job) return;
    const van = this.fleet.vanOf(job);
    const crew = (van && van.crew) || [];
    const attention = attentionOf(job);
    const rows = [
      ["状态 / Status", h("span", { class: `status s-${job.status}`, id: "detail-status" }, statusText(job.status))],
      attention ? ["需关注 / Attention", h("span", { class: "badge attention" }, attention)] : null,
      job.location_conflict_km !== null && job.location_conflict_km !== undefined
        ? ["位置冲突 / Conflict", h("span", { class: "badge attention", id: "location-conflict" },
            `地址与坐标相距 ${job.location_conflict_km} 公里，按${job.location_used === "address" ? "地址" : "坐标"}派车 / `
            + `The address is ${job.location_conflict_km} km from the coordinates; the ${job.location_used || "coordinates"} are used`)]
        : null,
      ["优先级 / Priority", PRIORITY[job.priority] || job.priority],
      ["来电人 / Caller", `${job.caller_name} ${job.caller_phone}`],
      ["车辆 / Vehicle", [job.vehicle_plate, job.vehicle_vin, job.vehicle_model, POWERTRAIN[job.powertrain]].filter(Boolean).join(" · ")],
      ["故障 / Fault", `${FAULT[job.fault_category] || job.fault_category} ${job.fault_description || ""}`],
      ["位置 / Location", `${job.address || ""} (${job.lat.toFixed(5)}, ${job.lon.toFixed(5)}) · ${PRECISION[job.geocode_precision] || job.geocode_precision}`],
      ["救援车 / Van", van ? [van.plate, ...crew.map((c) => ` · ${c.name} ${c.phone || ""}`)].join("") : "—"],
      ["预计到达 / ETA", job.eta_at ? `${formatTime(job.eta_at)}${job.promised_eta_at ? ` (承诺 / promised ${formatTime(job.promised_eta_at)})` : ""}` : "—"],
      ["拒单次数 / Declines", String(job.decline_count)],
      ["建单 / Created", `${formatTime(job.created_at)} · ${job.created_by}`],
      job.closed_reason ? ["关闭原因 / Closed", job.closed_reason] : null,
    ].filter(Boolean);
    this.facts.replaceChildren(
      h("h2", {}, job.reference, " ", h("button", { type: "button", class: "secondary small", id: "close-detail", onclick: () => { location.hash = ""; } }, "关闭 / Close")),
      h("dl", {}, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    );
    this._syncActions();
  }

  _syncActions() {
    const job = this.job;
    const open = job && !CLOSED_STATUSES.includes(job.status);
    for (const el of this.root.querySelectorAll("[data-needs-open]")) el.hidden = !open;
    const dispatchButton = this.root.querySelector("#dispatch-best");
    if (dispatchButton) dispatchButton.disabled = !DISPATCHABLE.includes(job.status);
  }

  async loadCandidates(given = null) {
    const job = this.job;
    if (!WITH_CANDIDATES.includes(job.status)) {
      this.candidatesBox.replaceChildren();
      return;
    }
    let result = given;
    try {
      result = await get(`/api/call-center/jobs/${job.id}/candidates`, { explain: true });
    } catch (error) {
      if (!result) {
        this.candidatesBox.replaceChildren(h("p", { class: "form-error" }, error.message));
        return;
      }
    }
    this._renderCandidates(result);
  }

  _renderCandidates(result) {
    const reasonInput = h("input", { name: "reason", placeholder: "改派原因（指定车辆时必填）/ Reason for your pick" });
    const form = h("form", { class: "dispatch-form", novalidate: true },
      h("p", { class: "form-error", dataset: { errorFor: "_form" } }));
    const pick = async (vanId) => {
      clearErrors(form);
      const body = vanId ? { van_id: vanId, reason: reasonInput.value.trim() || null } : {};
      try {
        const outcome = await post(`/api/call-center/jobs/${this.jobId}/dispatch`, body);
        this.store.upsert(outcome.job);
        if (outcome.candidates) this._renderCandidates(outcome.candidates);
      } catch (error) {
        showError(form, error);
      }
    };
    this.dispatchBest = () => pick(null);
    const rows = result.candidates.map((c) =>
      h("tr", { dataset: { vanId: c.van_id } },
        h("td", {}, String(c.rank)),
        h("td", {}, c.plate),
        h("td", {}, c.station_name),
        h("td", {}, `${c.distance_km.toFixed(1)} km`),
        h("td", {}, formatDuration(c.eta_s)),
        h("td", { class: "muted" }, whyRanked(c)),
        h("td", {}, h("button", { type: "button", class: "secondary small", onclick: () => pick(c.van_id) }, "指派 / Pick")),
      ),
    );
    const excluded = result.excluded.map((e) =>
      h("li", {}, `${e.plate} (${e.home_station_km.toFixed(0)} km): ${e.reasons.join("；")}`));
    const beyond = result.nearest_beyond_radius.map((v) =>
      h("li", {}, `${v.plate} ${v.station_name} ${v.distance_km.toFixed(0)} km`));
    form.prepend(
      h("h3", {}, "候选车辆 ", h("span", { class: "en" }, `Candidates (${result.candidates.length}, ≤ ${result.radius_km} km)`)),
      h("div", { class: "actions", dataset: { needsOpen: "" } },
        h("button", { type: "button", id: "dispatch-best", onclick: () => pick(null) }, "派给最优车辆 ", h("span", { class: "en" }, "Dispatch best")),
        " ", h("kbd", {}, "D"), " ", reasonInput,
        h("p", { dataset: { errorFor: "reason" } }), h("p", { dataset: { errorFor: "van_id" } })),
      result.candidates.length
        ? h("table", { class: "grid compact", id: "candidates" },
            h("thead", {}, h("tr", {}, ["#", "车牌 / Plate", "服务站 / Station", "距离 / Distance", "ETA", "排序依据 / Why", ""].map((t) => h("th", {}, t)))),
            h("tbody", {}, rows))
        : h("p", { class: "badge attention" }, "半径内无可用车辆 / No van within the radius"),
      excluded.length ? h("details", {}, h("summary", {}, `未入选 ${excluded.length} 辆 / Excluded vans`), h("ul", {}, excluded)) : null,
      beyond.length ? h("details", {}, h("summary", {}, "半径外最近车辆 / Nearest beyond the radius"), h("ul", {}, beyond)) : null,
    );
    this.candidatesBox.replaceChildren(form);
    this._syncActions();
  }

  async loadTimeline() {
    if (!this.jobId) return;
    const jobId = this.jobId;
    const events = await get(`/api/call-center/jobs/${jobId}/events`);
    if (jobId !== this.jobId) return;
    this.timeline.replaceChildren(
      ...events.map((e) =>
        h("li", { dataset: { kind: e.kind } },
          h("time", {}, formatTime(e.created_at)), " ",
          h("strong", {}, EVENT_KIND[e.kind] || e.kind), " ",
          e.to_status ? `${e.from_status ? statusText(e.from_status) + " → " : ""}${statusText(e.to_status)} ` : "",
          h("span", { class: "muted" }, `${e.actor}${eventNote(e)}`),
        ),
      ),
    );
  }

  // What was sent about the job (SMS to the owner, webhooks) and whether it arrived; read with the timeline
  // and again while messages are still on their way.
  refreshMessages() {
    clearTimeout(this.messagesTimer);
    this.loadMessages()
      .then((pending) => {
        if (pending && this.jobId) this.messagesTimer = setTimeout(() => this.refreshMessages(), MESSAGES_RETRY_MS);
      })
      .catch((error) => this.messages.replaceChildren(h("li", { class: "muted" }, error.message)));
  }

  async loadMessages() {
    const jobId = this.jobId;
    if (!jobId) return false;
    const sent = await get(`/api/call-center/jobs/${jobId}/notifications`);
    if (jobId !== this.jobId) return false;
    const owner = sent.filter((n) => n.channel === "sms");
    this.messages.replaceChildren(
      ...(owner.length
        ? owner.map((n) =>
            h("li", { dataset: { template: n.template, status: n.status } },
              h("time", {}, formatTime(n.delivered_at || n.created_at)), " ",
              h("strong", {}, MESSAGE_TEMPLATE[n.template] || n.template), " ",
              h("span", { class: `delivery d-${n.status}` }, DELIVERY[n.status] || n.status), " ",
              h("span", { class: "muted" }, n.recipient),
              n.body ? h("div", { class: "message-body" }, n.body) : null,
              n.last_error ? h("div", { class: "form-error" }, n.last_error) : null))
        : [h("li", { class: "muted" }, "尚未发送 / Nothing sent yet")]),
    );
    return sent.some((n) => n.status === "pending" || n.status === "sending");
  }

  async loadLink() {
    try {
      const link = await post(`/api/track/jobs/${this.jobId}/link`);
      const input = h("input", { readonly: true, value: link.page_url, id: "tracking-url" });
      this.linkBox.replaceChildren(
        h("label", {}, "车主跟踪链接 / Owner's tracking link",
          h("span", { class: "copy-row" }, input,
            h("button", { type: "button", class: "secondary small", onclick: () => copy(input) }, "复制 / Copy"))),
      );
    } catch (error) {
      this.linkBox.replaceChildren(h("p", { class: "muted" }, error.message));
    }
  }

  _cancelForm() {
    const form = h("form", { class: "cancel-form", novalidate: true, dataset: { needsOpen: "" } },
      h("label", {}, "取消原因 / Cancel reason", h("input", { name: "reason" }), h("p", { dataset: { errorFor: "reason" } })),
      h("p", { class: "form-error", dataset: { errorFor: "_form" } }),
      h("button", { type: "submit", class: "danger" }, "取消救援单 ", h("span", { class: "en" }, "Cancel job")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(form);
      try {
        const job = await post(`/api/call-center/jobs/${this.jobId}/cancel`, { reason: form.reason.value.trim() });
        this.store.upsert(job);
      } catch (error) {
        showError(form, error);
      }
    });
    return form;
  }
}

function whyRanked(c) {
  const from = {
    station: "从服务站出发 / from its station",
    gps: "从最新定位出发 / from its latest position",
    current_job: "完成当前任务后 / after its current job",
  }[c.starts_from] || c.starts_from;
  const busy = c.available_now ? "" : ` · 忙 ${formatDuration(c.busy_for_s)} / busy`;
  return `${from} · 距站 ${c.home_station_km.toFixed(0)} km${busy}`;
}

function eventNote(e) {
  const d = e.data || {};
  const parts = [];
  if (d.reason) parts.push(d.reason);
  if (d.override_reason) parts.push(`改派 / override: ${d.override_reason}`);
  if (d.answer) parts.push(d.answer);
  for (const [name, value] of Object.entries(d.changes || {})) {
    if (CORRECTED_FIELDS[name]) parts.push(`${CORRECTED_FIELDS[name]}: ${shown((d.before || {})[name])} → ${shown(value)}`);
  }
  if (d.eta_s !== undefined && d.eta_s !== null) parts.push(`ETA ${formatDuration(d.eta_s)}`);
  if (e.van_id) parts.push(`van #${e.van_id}`);
  return parts.length ? ` · ${parts.join(" · ")}` : "";
}

// The fields of a correction worth showing in the timeline (the location's derived columns are not).
const CORRECTED_FIELDS = {
  caller_phone: "电话 / phone",
  fault_category: "故障 / fault",
  fault_description: "描述 / description",
  address: "地址 / address",
  lat: "纬度 / lat",
  lon: "经度 / lon",
};

function shown(value) {
  return value === null || value === undefined || value === "" ? "—" : String(value);
}

function copy(input) {
  input.select();
  if (navigator.clipboard) navigator.clipboard.writeText(input.value).catch(() => document.execCommand("copy"));
  else document.execCommand("copy");
}
