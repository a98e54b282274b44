// One service day: build a plan, see each van's route (own colour) and timeline, the visits that could not
// be served and why, publish it, and after a re-plan what moved.
import { clearErrors, formatClock, get, h, post, showError } from "./api.js";
import { createMap, toMap } from "./map.js";
import { hours, km, section, table, vanColour } from "./planner_shared.js";

const L = window.L;
// What the crews' tablets have marked on each visit (POST /api/field/visits/{id}/status).
const VISIT_STATUS_TEXT = {
  planned: "待服务 / planned",
  in_progress: "服务中 / in progress",
  completed: "已完成 / done",
  skipped: "已跳过 / skipped",
};

export async function showDayPlan(main, campaignId, day) {
  const base = `/api/planner/campaigns/${campaignId}`;
  const [campaign, stations, bookings, plans] = await Promise.all([
    get(base),
    get("/api/fleet/stations"),
    get(`${base}/bookings`, { service_date: day }),
    get(`${base}/days/${day}/plans`),
  ]);
  const depot = stations.find((s) => s.id === campaign.host_station_id);
  const bookingById = new Map(bookings.map((b) => [b.id, b]));
  const colours = new Map(campaign.vans.map((van, i) => [van.van_id, vanColour(i)]));
  const lunchMinutes = new Map(campaign.vans.map((van) => [van.van_id, van.lunch_minutes]));
  const plates = new Map(campaign.vans.map((van) => [van.van_id, van.plate]));

  const status = h("p", { id: "plan-status", class: "form-error", dataset: { errorFor: "_form" }, role: "alert" });
  const versionSelect = h("select", { id: "plan-version" });
  const buildButton = h("button", { type: "button", id: "build-plan" }, "生成路线 ", h("span", { class: "en" }, "Build plan"));
  // The planner's ask for this version: at most so many vans, and how much overtime a van may work.
  const maxVans = h("input", { type: "number", id: "max-vans", name: "max_vans", min: 1, step: 1,
    max: campaign.vans.length, placeholder: String(campaign.vans.length), class: "narrow" });
  const overtime = h("input", { type: "number", id: "max-overtime", name: "max_overtime_minutes", min: 0,
    max: 240, step: 15, value: 0, class: "narrow" });
  const askError = (field) => h("span", { class: "form-error", dataset: { errorFor: field } });
  const publishButton = h("button", { type: "button", id: "publish-plan", class: "secondary", disabled: true },
    "发布 ", h("span", { class: "en" }, "Publish"));
  const mapBox = h("div", { id: "day-map", class: "map planner-map" });
  const details = h("div", { id: "plan-details" });
  main.replaceChildren(
    h(
      "div",
      { class: "planner-page" },
      h("p", {}, h("a", { href: `#/campaigns/${campaignId}` }, `← ${campaign.reference} ${campaign.name}`)),
      h("h2", {}, `${day} 当日路线 `, h("span", { class: "en" }, "Day plan"),
        h("span", { class: "muted" }, ` · ${bookings.filter((b) => b.status === "booked" || b.status === "served").length} 个预约 / bookings`)),
      h("div", { class: "toolbar" }, buildButton,
        h("label", { class: "inline" }, "最多车辆 ", h("span", { class: "en" }, "Max vans "), maxVans, askError("max_vans")),
        h("label", { class: "inline" }, "允许加班(分钟) ", h("span", { class: "en" }, "Overtime (min) "), overtime,
          askError("max_overtime_minutes")),
        h("label", { class: "inline" }, "版本 ", h("span", { class: "en" }, "Version "), versionSelect),
        publishButton),
      status,
      h("div", { class: "planner-split" }, h("div", { class: "planner-left" }, mapBox), h("div", { class: "planner-right" }, details)),
    ),
  );

  const map = createMap(mapBox, { center: depot ? [depot.lat, depot.lon] : undefined, zoom: 10 });
  const routeLayer = L.layerGroup().addTo(map);
  let shown = null;

  function listVersions(list, selectedId) {
    plans.splice(0, plans.length, ...list);
    versionSelect.replaceChildren(
      ...plans.map((p) => h("option", { value: p.id, selected: p.id === selectedId }, `v${p.version} · ${p.status}`)),
    );
    const plan = plans.find((p) => p.id === selectedId) || plans[plans.length - 1];
    if (plan) show(plan);
  }

  function show(plan) {
    shown = plan;
    versionSelect.value = plan.id;
    publishButton.disabled = plan.status !== "draft";
    drawRoutes(map, routeLayer, plan, depot, bookingById, colours);
    const parts = [
      summary(plan),
      legend(plan, colours),
      changesSection(plan, plates),
      droppedSection(plan, bookingById),
      timelines(plan, colours, lunchMinutes, bookingById),
    ];
    details.replaceChildren(...parts.filter(Boolean));
  }

  async function reload(selectedId) {
    listVersions(await get(`${base}/days/${day}/plans`), selectedId);
  }

  buildButton.addEventListener("click", async () => {
    buildButton.disabled = true;
    clearErrors(main);
    status.textContent = "正在计算路线… / Solving…";
    const ask = { max_overtime_minutes: Number(overtime.value || 0) };
    if (maxVans.value) ask.max_vans = Number(maxVans.value);
    try {
      const plan = await post(`${base}/days/${day}/plans`, ask);
      status.textContent = "";
      await reload(plan.id);
    } catch (error) {
      status.textContent = "";
      showError(main, error); // next to the field it names, else in the status line
    } finally {
      buildButton.disabled = false;
    }
  });
  publishButton.addEventListener("click", async () => {
    try {
      const plan = await post(`/api/planner/plans/${shown.id}/publish`);
      status.textContent = "";
      await reload(plan.id);
    } catch (error) {
      status.textContent = error.message;
    }
  });
  versionSelect.addEventListener("change", () => show(plans.find((p) => p.id === versionSelect.value)));

  if (depot) {
    L.marker(toMap(depot.lat, depot.lon), {
      icon: L.divIcon({ className: "depot-pin", html: `<span>${depot.name}</span>`, iconSize: null }),
    }).addTo(map);
  }
  if (plans.length) listVersions([...plans], plans[plans.length - 1].id);
  else details.replaceChildren(h("p", { class: "muted" }, "尚未生成路线 / No plan yet: build one"));
  return () => map.remove();
}

function drawRoutes(map, layer, plan, depot, bookingById, colours) {
  layer.clearLayers();
  const bounds = depot ? [toMap(depot.lat, depot.lon)] : [];
  for (const van of plan.vans) {
    const colour = colours.get(van.van_id) || "#555";
    const points = depot ? [toMap(depot.lat, depot.lon)] : [];
    for (const visit of van.visits) {
      const booking = bookingById.get(visit.booking_id);
      if (!booking) continue;
      const at = toMap(booking.lat, booking.lon);
      points.push(at);
      bounds.push(at);
      L.marker(at, {
        icon: L.divIcon({
          className: "stop-pin",
          html: `<span style="background:${colour}" data-van="${van.van_id}">${visit.sequence}</span>`,
          iconSize: null,
        }),
        title: `${van.plate} #${visit.sequence} ${visit.booking_reference} ${formatClock(visit.start_at)}`,
      }).addTo(layer);
    }
    if (depot) points.push(toMap(depot.lat, depot.lon));
    if (points.length > 1) L.polyline(points, { color: colour, weight: 4, opacity: 0.8 }).addTo(layer);
  }
  if (bounds.length > 1) map.fitBounds(bounds, { padding: [30, 30] });
}

function summary(plan) {
  return h(
    "p",
    { id: "plan-summary" },
    `v${plan.version} · ${plan.status === "published" ? "已发布 / published" : plan.status === "draft" ? "草稿 / draft" : "已替换 / superseded"} · ` +
      `服务 ${plan.served} 个 / served · 未能安排 ${plan.dropped.length} 个 / not served · ${km(plan.total_km)} · ` +
      `行驶 ${hours(plan.total_travel_h)} driving · 等待 ${hours(plan.total_wait_h)} waiting`,
  );
}

function legend(plan, colours) {
  const rows = plan.vans.map((van) =>
    h(
      "tr",
      { dataset: { van: van.van_id } },
      h("td", {}, h("span", { class: "swatch", style: `background:${colours.get(van.van_id)}` }), " ", van.plate),
      h("td", { class: "num" }, van.visits.length),
      h("td", {}, van.start_at ? `${formatClock(van.start_at)}–${formatClock(van.end_at)}` : "—"),
      h("td", { class: "num" }, km(van.distance_km)),
      h("td", { class: "num" }, hours(van.travel_h)),
      h("td", { class: "num" + (van.overtime_h > 0 ? " overtime" : "") }, van.overtime_h > 0 ? hours(van.overtime_h) : "—"),
    ),
  );
  return table([["车辆", "Van"], ["站点", "Stops"], ["出车", "Out"], ["里程", "Distance"], ["行驶", "Driving"], ["加班", "Overtime"]],
    rows, { id: "van-legend" });
}

function changesSection(plan, plates) {
  const plate = (vanId) => plates.get(vanId) || `#${vanId}`;
  const changes = plan.changes || {};
  const keys = ["added", "removed", "moved", "retimed", "newly_dropped"];
  if (!keys.some((k) => (changes[k] || []).length)) {
    return "unchanged" in changes
      ? section("与已发布版本相比", "Compared with the published plan", h("p", { id: "plan-changes" }, `无变化，${changes.unchanged} 个不变 / nothing moved`))
      : null;
  }
  const lines = [
    ...(changes.added || []).map((ref) => `新增 / added ${ref}`),
    ...(changes.removed || []).map((ref) => `移除 / removed ${ref}`),
    ...(changes.moved || []).map((m) => `换车 / moved ${m.booking_reference}: ${plate(m.from_van_id)} → ${plate(m.to_van_id)}`),
    ...(changes.retimed || []).map((m) => `改时 / retimed ${m.booking_reference}: ${formatClock(m.from)} → ${formatClock(m.to)} (${m.shift_min > 0 ? "+" : ""}${m.shift_min} 分 / min)`),
    ...(changes.newly_dropped || []).map((ref) => `新增未能安排 / newly not served ${ref}`),
  ];
  return section("与已发布版本相比的变化", "What moved since the published plan",
    h("ul", { id: "plan-changes" }, lines.map((line) => h("li", {}, line))));
}

function droppedSection(plan, bookingById) {
  if (!plan.dropped.length) return null;
  const rows = plan.dropped.map((d) => {
    const booking = bookingById.get(d.booking_id);
    return h("tr", {}, h("td", {}, d.booking_reference), h("td", {}, booking ? booking.window.label : ""),
      h("td", {}, d.reason), h("td", {}, d.message));
  });
  return section("未能安排的预约", "Visits that could not be served",
    table([["编号", "Ref"], ["时段", "Window"], ["原因", "Reason"], ["说明", "Why"]], rows, { id: "dropped" }));
}

// One row per van: driving, waiting, service and lunch on a shared time axis; arrival windows beneath.
function timelines(plan, colours, lunchMinutes, bookingById) {
  const vans = plan.vans.filter((van) => van.start_at);
  if (!vans.length) return null;
  const t = (iso) => new Date(iso).getTime();
  let from = Math.min(...vans.map((v) => t(v.start_at)));
  let to = Math.max(...vans.map((v) => t(v.end_at)));
  for (const van of vans) for (const visit of van.visits) {
    if (visit.window_start) from = Math.min(from, t(visit.window_start));
    if (visit.window_end) to = Math.max(to, t(visit.window_end));
  }
  from = Math.floor(from / 3600000) * 3600000;
  to = Math.ceil(to / 3600000) * 3600000;
  const pct = (ms) => `${(((ms - from) / (to - from)) * 100).toFixed(3)}%`;
  const span = (a, b) => `left:${pct(a)};width:${(((b - a) / (to - from)) * 100).toFixed(3)}%`;
  const ticks = [];
  for (let hour = from; hour <= to; hour += 3600000) {
    ticks.push(h("span", { class: "tick", style: `left:${pct(hour)}` }, formatClock(new Date(hour).toISOString())));
  }
  const rows = vans.map((van) => {
    const colour = colours.get(van.van_id);
    const bars = [];
    let previous = t(van.start_at);
    for (const visit of van.visits) {
      const booking = bookingById.get(visit.booking_id);
      const who = booking ? booking.owner_name : "";
      bars.push(h("span", { class: "seg drive", style: span(previous, t(visit.arrival_at)), title: `行驶 / driving ${visit.travel_km} km` }));
      if (visit.wait_s > 0) bars.push(h("span", { class: "seg wait", style: span(t(visit.arrival_at), t(visit.start_at)), title: "等待 / waiting" }));
      bars.push(h("span", {
        class: "seg service", style: `${span(t(visit.start_at), t(visit.departure_at))};background:${colour}`,
        title: `#${visit.sequence} ${visit.booking_reference} ${who} ${formatClock(visit.start_at)}–${formatClock(visit.departure_at)}`,
      }, String(visit.sequence)));
      if (visit.window_start && visit.window_end) {
        // Alternate two levels so that back-to-back windows stay apart.
        const level = visit.sequence % 2 ? "" : " lower";
        bars.push(h("span", { class: "seg window" + level, style: `${span(t(visit.window_start), t(visit.window_end))};border-color:${colour}`,
          title: `到达时段 / arrival window ${formatClock(visit.window_start)}–${formatClock(visit.window_end)}` }));
      }
      previous = t(visit.departure_at);
    }
    bars.push(h("span", { class: "seg drive", style: span(previous, t(van.end_at)), title: "返回 / returning" }));
    if (van.lunch_start_at) {
      const lunchEnd = t(van.lunch_start_at) + (lunchMinutes.get(van.van_id) || 0) * 60000;
      bars.push(h("span", { class: "seg lunch", style: span(t(van.lunch_start_at), lunchEnd),
        title: `午休 / lunch ${formatClock(van.lunch_start_at)}` }, "午"));
    }
    return h("div", { class: "timeline-row", dataset: { van: van.van_id } },
      h("div", { class: "timeline-label" }, h("span", { class: "swatch", style: `background:${colour}` }), " ", van.plate),
      h("div", { class: "timeline-track" }, bars));
  });
  const key = h("p", { class: "timeline-key muted" },
    h("span", { class: "seg-key drive" }), " 行驶 / driving ", h("span", { class: "seg-key wait" }), " 等待 / waiting ",
    h("span", { class: "seg-key service" }), " 服务（车辆颜色）/ service (van colour) ", h("span", { class: "seg-key lunch" }), " 午休 / lunch ",
    h("span", { class: "seg-key window" }), " 到达时段 / arrival window");
  const visitRows = vans.flatMap((van) => van.visits.map((visit) => {
    const booking = bookingById.get(visit.booking_id);
    return h("tr", {},
      h("td", {}, h("span", { class: "swatch", style: `background:${colours.get(van.van_id)}` }), ` ${van.plate} #${visit.sequence}`),
      h("td", {}, visit.booking_reference || ""),
      h("td", {}, booking ? booking.owner_name : ""),
      h("td", {}, visit.window_start ? `${formatClock(visit.window_start)}–${formatClock(visit.window_end)}` : ""),
      h("td", {}, formatClock(visit.arrival_at)),
      h("td", {}, `${formatClock(visit.start_at)}–${formatClock(visit.departure_at)}`),
      h("td", { class: "num" }, km(visit.travel_km)),
      h("td", { dataset: { status: visit.status } }, VISIT_STATUS_TEXT[visit.status] || visit.status));
  }));
  return section("时间线", "Timeline per van",
    h("div", { id: "timelines", class: "timelines" }, h("div", { class: "timeline-row axis" }, h("div", { class: "timeline-label" }),
      h("div", { class: "timeline-track ticks" }, ticks)), rows),
    key,
    table([["车辆·顺序", "Van · stop"], ["预约", "Booking"], ["车主", "Owner"], ["到达时段", "Window"], ["到达", "Arrive"], ["服务", "Service"], ["行驶", "Drive"], ["进度", "Progress"]],
      visitRows, { id: "visits" }));
}
