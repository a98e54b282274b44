// Follow-ups and KPIs for agents: the follow-up calls due (24 h, 3 d, 5 d after a rescue or a visit), each
// call's outcome recorded in place, and the after-sales KPI figures for a period. Public API only:
// GET /api/call-center/followups, POST /api/call-center/followups/{id}/calls, GET /api/kpis.
import { clearErrors, currentUsername, formatTime, h, localDate, post, request, requireSignIn, showError, signOut } from "./api.js";

const DUE_WITHIN = { 0: "现在到期 / Due now", 1: "一天内 / Within a day", 3: "三天内 / Within 3 days", 7: "一周内 / Within a week" };
const STEP = { "24h": "24 小时回访 / 24 h", "3d": "3 天回访 / 3 days", "5d": "5 天回访 / 5 days" };
const OUTCOME = { reached: "接通 / Reached", no_answer: "未接 / No answer", call_back_later: "稍后回电 / Call back later" };

function start() {
  document.getElementById("who").textContent = currentUsername() || "";
  document.getElementById("sign-out").addEventListener("click", signOut);
  const main = document.getElementById("followups");
  const queue = followUpQueue();
  const kpis = kpiFigures();
  main.append(queue.section, kpis.section);
  Promise.all([queue.load(), kpis.load()]).then(() => { document.body.dataset.ready = "true"; });
}

function followUpQueue() {
  const within = h("select", { id: "due-within", "aria-label": "到期 / Due" },
    Object.entries(DUE_WITHIN).map(([days, text]) => h("option", { value: days }, text)));
  const count = h("span", { class: "muted", id: "followup-count" });
  const tbody = h("tbody");
  const section = h("section", {},
    h("h2", {}, "待回访 ", h("span", { class: "en" }, "Follow-up calls")),
    h("div", { class: "board-filters" }, within, count),
    h("table", { class: "grid", id: "followup-queue" },
      h("thead", {}, h("tr", {}, ["单号 / Ref", "回访 / Step", "车主 / Owner", "到期 / Due", "尝试 / Tries", ""].map((t) => h("th", {}, t)))),
      tbody));

  const load = async () => {
    const dueBy = new Date(Date.now() + Number(within.value) * 86400000).toISOString();
    const { data, headers } = await request("GET", "/api/call-center/followups", { query: { due_by: dueBy, limit: 200 } });
    count.textContent = `${headers.get("X-Total-Count") || data.length} 个 / calls`;
    tbody.replaceChildren(...data.map((task) => taskRow(task, load)));
  };
  within.addEventListener("change", load);
  return { section, load };
}

function taskRow(task, reload) {
  const form = callForm(task, reload);
  return h("tr", { dataset: { taskId: task.id, reference: task.reference, step: task.step } },
    h("td", {}, task.job_id ? h("a", { href: `/console#job/${task.job_id}`, class: "ref" }, task.reference) : task.reference),
    h("td", {}, STEP[task.step] || task.step),
    h("td", {}, task.owner_name, h("div", { class: "muted" }, task.phone)),
    h("td", {}, formatTime(task.due_at)),
    h("td", {}, String(task.attempts), task.last_outcome ? h("div", { class: "muted" }, OUTCOME[task.last_outcome] || task.last_outcome) : null),
    h("td", {}, form));
}

// One call's outcome; scores only when the owner was reached.
function callForm(task, reload) {
  const outcome = h("select", { name: "outcome" }, Object.entries(OUTCOME).map(([v, t]) => h("option", { value: v }, t)));
  const csat = h("select", { name: "csat" }, h("option", { value: "" }, "—"), [5, 4, 3, 2, 1].map((n) => h("option", { value: n }, String(n))));
  const nps = h("input", { name: "nps", inputmode: "numeric", size: 3 });
  const comment = h("input", { name: "comment" });
  const complaint = h("input", { type: "checkbox", name: "complaint" });
  const scores = h("span", { class: "call-scores" },
    h("label", {}, "满意度 / CSAT 1-5", csat, h("p", { dataset: { errorFor: "csat" } })),
    h("label", {}, "推荐 / NPS 0-10", nps, h("p", { dataset: { errorFor: "nps" } })),
    h("label", {}, "意见 / Comment", comment, h("p", { dataset: { errorFor: "comment" } })),
    h("label", { class: "inline" }, complaint, "投诉 / Complaint"));
  outcome.addEventListener("change", () => { scores.hidden = outcome.value !== "reached"; });
  const form = h("form", { class: "call-form", novalidate: true },
    h("label", {}, "结果 / Outcome", outcome, h("p", { dataset: { errorFor: "outcome" } })),
    scores,
    h("p", { class: "form-error", dataset: { errorFor: "_form" } }),
    h("button", { type: "submit", class: "small" }, "记录 / Record"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = { outcome: outcome.value };
    if (outcome.value === "reached") {
      if (csat.value) body.csat = Number(csat.value);
      if (nps.value.trim()) body.nps = Number.isNaN(Number(nps.value)) ? nps.value : Number(nps.value);
      body.comment = comment.value;
      body.complaint = complaint.checked;
    }
    try {
      await post(`/api/call-center/followups/${task.id}/calls`, body);
      await reload();
    } catch (error) {
      showError(form, error);
    }
  });
  return form;
}

function kpiFigures() {
  const from = h("input", { type: "date", name: "from", value: localDate(-6) });
  const to = h("input", { type: "date", name: "to", value: localDate() });
  const figures = h("dl", { class: "kpi-figures", id: "kpi-figures" });
  const form = h("form", { class: "call-form", id: "kpi-period", novalidate: true },
    h("label", {}, "从 / From", from, h("p", { dataset: { errorFor: "from" } })),
    h("label", {}, "到 / To", to, h("p", { dataset: { errorFor: "to" } })),
    h("p", { class: "form-error", dataset: { errorFor: "_form" } }),
    h("button", { type: "submit", class: "small" }, "查看 / Show"));
  const section = h("section", {}, h("h2", {}, "服务指标 ", h("span", { class: "en" }, "KPIs")), form, figures);

  const load = async () => {
    clearErrors(form);
    try {
      const { data } = await request("GET", "/api/kpis", { query: { from: from.value, to: to.value } });
      figures.replaceChildren(...kpiRows(data.total).flatMap(([key, label, value]) =>
        [h("dt", {}, label), h("dd", { dataset: { kpi: key } }, value)]));
    } catch (error) {
      showError(form, error);
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  return { section, load };
}

function kpiRows(total) {
  const r = total.rescue;
  const s = total.satisfaction;
  const e = total.escalations;
  const minutes = (p) => (p && p.p50 !== null && p.p50 !== undefined ? `${p.p50} / ${p.p90} 分钟 min` : "—");
  const share = (x) => (x === null || x === undefined ? "—" : `${Math.round(x * 1000) / 10}%`);
  const number = (x) => (x === null || x === undefined ? "—" : String(x));
  return [
    ["jobs", "救援单 / Rescue jobs", number(r.jobs)],
    ["call_to_dispatch_min", "来电到派单 p50 / p90 / Call to dispatch", minutes(r.call_to_dispatch_min)],
    ["call_to_arrival_min", "来电到到达 p50 / p90 / Call to arrival", minutes(r.call_to_arrival_min)],
    ["arrived_within_target_share", "30 分钟内到达 / Arrived within 30 min", share(r.arrived_within_target_share)],
    ["on_time_share", "按承诺到达 / On time", share(r.on_time_share)],
    ["first_time_fix_rate", "一次修复率 / First-time fix", share(r.first_time_fix_rate)],
    ["jobs_uncovered", "无车覆盖 / Uncovered", number(r.jobs_uncovered)],
    ["csat_responses", "满意度回答 / CSAT answers", number(s.csat_responses)],
    ["csat_share", "满意率 / Satisfied (4-5)", share(s.csat_share)],
    ["nps", "净推荐值 / NPS", number(s.nps)],
    ["escalations_opened", "升级工单 / Escalations opened", number(e.opened)],
    ["escalations_acknowledged_within_1h", "1 小时内确认 / Acknowledged within 1 h", number(e.acknowledged_within_1h)],
  ];
}

if (requireSignIn(["agent", "admin"])) start();
