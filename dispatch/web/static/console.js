// The call-center console (agents, admins): board, map, new job, job detail, live from the stream.
// Keys: N new job, / search, D dispatch the open job to the best van, Esc close the panel.
import { currentUsername, h, LiveStream, requireSignIn, signOut, STREAM_STATUS_TEXT } from "./api.js";
import { Board } from "./console/board.js";
import { JobDetail } from "./console/detail.js";
import { Fleet } from "./console/fleet.js";
import { JobMap } from "./console/jobmap.js";
import { JobStore } from "./console/jobstore.js";
import { newJobForm } from "./console/newjob.js";

if (requireSignIn(["agent", "admin"])) start();

async function start() {
  document.getElementById("who").textContent = currentUsername() || "";
  document.getElementById("sign-out").addEventListener("click", signOut);
  const statusBadge = document.getElementById("stream-status");

  const root = document.getElementById("console");
  const boardBox = h("section", { class: "board-box" });
  const mapBox = h("div", { class: "map", id: "map" });
  const panel = h("section", { class: "panel", id: "panel" });
  root.append(
    boardBox,
    h("div", { class: "side" }, mapBox, panel),
  );
  document.getElementById("new-job-button").addEventListener("click", () => { location.hash = "new"; });

  const store = new JobStore();
  const fleet = new Fleet(store);
  const openJob = (jobId) => { location.hash = `job/${jobId}`; };
  const board = new Board({ root: boardBox, store, fleet, onOpen: openJob });
  const jobMap = new JobMap({ element: mapBox, store, fleet, onOpen: openJob });
  const detail = new JobDetail({ root: panel, store, fleet, jobMap });

  const showPanel = () => {
    const hash = location.hash.replace(/^#/, "");
    jobMap.pick(null);
    if (hash === "new") {
      detail.close();
      panel.replaceChildren(newJobForm({
        jobMap,
        onOpen: openJob,
        onCreated: (created) => {
          store.upsert(created.job);
          detail.pendingCandidates = created.candidates;
          location.hash = `job/${created.job.id}`;
        },
      }));
      panel.querySelector("input[name=caller_name]").focus();
    } else if (hash.startsWith("job/")) {
      const candidates = detail.pendingCandidates || null;
      detail.pendingCandidates = null;
      detail.open(hash.slice(4), candidates).catch((error) => {
        panel.replaceChildren(h("p", { class: "form-error" }, error.message));
      });
    } else {
      detail.close();
      panel.replaceChildren(h("div", { class: "panel-help" },
        h("p", {}, "选择一个救援单查看详情，或新建救援单。 / Pick a job, or create one."),
        h("p", {}, h("kbd", {}, "N"), " 新建 / new job  ", h("kbd", {}, "/"), " 搜索 / search  ",
          h("kbd", {}, "D"), " 派单 / dispatch  ", h("kbd", {}, "Esc"), " 关闭 / close")));
    }
  };
  window.addEventListener("hashchange", showPanel);

  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest("input, textarea, select");
    if (event.key === "Escape") {
      if (typing) event.target.blur();
      location.hash = "";
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "n" || event.key === "N") {
      event.preventDefault();
      location.hash = "new";
    } else if (event.key === "/") {
      event.preventDefault();
      board.focusSearch();
    } else if ((event.key === "d" || event.key === "D") && detail.jobId && detail.dispatchBest) {
      event.preventDefault();
      detail.dispatchBest();
    }
  });

  // Stream first: its ready message says where the loaded board stands; anything after it is applied.
  const stream = new LiveStream("/api/streams/call-center", {
    onStatus: (status) => {
      statusBadge.dataset.status = status;
      statusBadge.textContent = STREAM_STATUS_TEXT[status];
    },
    onEvent: (envelope) => {
      const p = envelope.payload || {};
      if (p.kind === "job.eta" && p.van_id && p.data && p.data.lat !== undefined) {
        fleet.moveVan(p.van_id, p.data.lat, p.data.lon, p.data.position_at);
      }
      store.applyEvent(envelope);
    },
  });
  const ready = new Promise((resolve) => { stream.onReady = resolve; });
  stream.start();
  await ready;
  performance.mark("console:stream-ready");
  await Promise.all([store.loadOpen(), fleet.load()]);
  performance.mark("console:data-loaded");
  store.announce();
  performance.mark("console:board-drawn");
  jobMap.drawStations();
  performance.mark("console:stations-drawn");
  jobMap.drawCoverage();
  showPanel();
  document.body.dataset.ready = "true";
  window.dispatchConsole = { stream, store, fleet, board, jobMap, detail };
}
