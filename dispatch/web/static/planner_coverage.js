// Coverage map and campaigns: station circles, counties no station reaches (with their owners), the
// campaigns so far, and a form that starts a campaign from a county.
import { clearErrors, get, h, localDate, post, showError } from "./api.js";
import { createMap, radiusCircle, toMap } from "./map.js";
import { section, table } from "./planner_shared.js";

const L = window.L;
const DEFAULT_SERVICES = [
  { code: "inspection", name: "安全检测 / Inspection", duration_min: 20 },
  { code: "maintenance", name: "保养 / Maintenance", duration_min: 30 },
  { code: "repair", name: "小修 / Repair", duration_min: 45 },
];

export async function showCoverage(main) {
  const [coverage, stations, vans, campaigns] = await Promise.all([
    get("/api/planner/coverage"),
    get("/api/fleet/stations"),
    get("/api/fleet/vans", { kind: "mobile_station", limit: 1000 }),
    get("/api/planner/campaigns"),
  ]);
  const layer = coverage.service;
  const gaps = [...layer.gaps].sort((a, b) => b.owners_uncovered - a.owners_uncovered);
  const mapBox = h("div", { id: "coverage-map", class: "map planner-map" });
  const formBox = h("div", { id: "campaign-form-box" });
  const summary = h(
    "p",
    { id: "coverage-summary" },
    `${layer.stations} 个服务站，服务半径 ${layer.radius_km} km：覆盖 ${layer.counties_covered}/${layer.counties_total} 个县区、` +
      `${layer.owners_covered_pct}% 车主；${gaps.length} 个县区未覆盖。`,
    h(
      "span",
      { class: "en" },
      ` ${layer.stations} stations, ${layer.radius_km} km service radius: ${layer.counties_covered}/${layer.counties_total} ` +
        `counties, ${layer.owners_covered_pct}% of owners covered; ${gaps.length} counties uncovered.`,
    ),
  );
  const gapRows = gaps.map((gap) =>
    h(
      "tr",
      { dataset: { adcode: gap.adcode } },
      h("td", {}, gap.name, h("span", { class: "muted" }, " " + gap.adcode)),
      h("td", {}, gap.city_name),
      h("td", { class: "num" }, `${gap.owners_uncovered} / ${gap.owners}`),
      h("td", {}, `${gap.nearest_station_name} ${gap.nearest_station_km.toFixed(0)} km`),
      h(
        "td",
        {},
        h("button", { type: "button", class: "secondary start-campaign", onclick: () => openForm(gap) },
          "发起活动 ", h("span", { class: "en" }, "Start campaign")),
      ),
    ),
  );
  const campaignRows = campaigns.map((c) =>
    h(
      "tr",
      {},
      h("td", {}, h("a", { href: `#/campaigns/${c.id}` }, c.reference)),
      h("td", {}, c.name),
      h("td", {}, `${c.start_date} – ${c.end_date}`),
      h("td", {}, c.status),
      h("td", { class: "num" }, c.days.reduce((n, d) => n + d.booked_count, 0)),
    ),
  );
  main.replaceChildren(
    h(
      "div",
      { class: "planner-split" },
      h("div", { class: "planner-left" }, mapBox, summary),
      h(
        "div",
        { class: "planner-right" },
        formBox,
        section(
          "服务活动",
          "Campaigns",
          campaignRows.length
            ? table([["编号", "Ref"], ["名称", "Name"], ["日期", "Dates"], ["状态", "Status"], ["预约", "Booked"]], campaignRows, { id: "campaigns" })
            : h("p", { class: "muted" }, "暂无活动 / No campaigns yet"),
        ),
        section(
          "未覆盖县区",
          "Counties no station covers",
          table([["县区", "County"], ["城市", "City"], ["车主", "Owners out / all"], ["最近服务站", "Nearest station"], [""]], gapRows, { id: "gaps" }),
        ),
      ),
    ),
  );

  const map = createMap(mapBox, { zoom: 7 });
  const bounds = [];
  for (const station of stations) {
    radiusCircle(station.lat, station.lon, layer.radius_km, { color: "#1b7f3b", weight: 1, fillOpacity: 0.12 })
      .bindTooltip(`${station.name}（${layer.radius_km} km）`)
      .addTo(map);
    L.circleMarker(toMap(station.lat, station.lon), { radius: 4, color: "#1b7f3b", fillOpacity: 1 })
      .bindTooltip(station.name)
      .addTo(map);
    bounds.push(toMap(station.lat, station.lon));
  }
  for (const gap of gaps) {
    const at = toMap(gap.seat_lat, gap.seat_lon);
    L.marker(at, {
      icon: L.divIcon({ className: "gap-pin", html: `<span>${gap.name} ${gap.owners_uncovered}</span>`, iconSize: null }),
      title: `${gap.name}: ${gap.owners_uncovered} 位车主未覆盖 / owners uncovered`,
    })
      .on("click", () => openForm(gap))
      .addTo(map);
    bounds.push(at);
  }
  if (bounds.length) map.fitBounds(bounds, { padding: [20, 20] });

  function openForm(gap) {
    formBox.replaceChildren(campaignForm(gap, stations, vans));
    formBox.scrollIntoView({ block: "start" });
  }
  return () => map.remove();
}

function field(name, zh, en, input) {
  return h("label", {}, zh, " ", h("span", { class: "en" }, en), input, h("p", { dataset: { errorFor: name } }));
}

function campaignForm(gap, stations, vans) {
  const stationById = new Map(stations.map((s) => [s.id, s]));
  const start = localDate(1);
  const end = localDate(2);
  const vanChoices = vans.map((van, i) =>
    h(
      "label",
      { class: "inline" },
      h("input", { type: "checkbox", name: "van", value: van.id, checked: i < 2 }),
      ` ${van.plate} ${van.name}`,
      h("span", { class: "muted" }, ` · ${stationById.get(van.station_id)?.name || ""}`),
    ),
  );
  const form = h(
    "form",
    { id: "campaign-form", class: "panel", novalidate: true },
    h("h2", {}, `在${gap.name}发起活动 `, h("span", { class: "en" }, `New campaign in ${gap.name}`)),
    field("name", "活动名称", "Name", h("input", { name: "name", value: `${gap.name}下乡服务 / ${gap.name} service days` })),
    field(
      "mode",
      "模式",
      "Mode",
      h(
        "select",
        { name: "mode" },
        h("option", { value: "door_to_door" }, "上门服务 / Door to door"),
        h("option", { value: "gathering_points" }, "集中服务点 / Gathering points"),
      ),
    ),
    h(
      "div",
      { class: "row" },
      field("start_date", "开始日期", "From", h("input", { name: "start_date", type: "date", value: start })),
      field("end_date", "结束日期", "To", h("input", { name: "end_date", type: "date", value: end })),
      field("daily_capacity", "每日容量", "Visits a day", h("input", { name: "daily_capacity", type: "number", value: 30 })),
    ),
    field(
      "host_station_id",
      "出发服务站",
      "Host station",
      h(
        "select",
        { name: "host_station_id" },
        stations.map((s) => h("option", { value: s.id, selected: s.id === gap.nearest_station_id }, s.name)),
      ),
    ),
    h("fieldset", {}, h("legend", {}, "流动服务车 ", h("span", { class: "en" }, "Mobile vans")), vanChoices,
      h("p", { dataset: { errorFor: "vans" } })),
    h("p", { class: "muted" }, "服务项目：安全检测 20 分、保养 30 分、小修 45 分；集合点：县城 / Services: inspection, maintenance, repair; gathering point: the county seat"),
    h("p", { dataset: { errorFor: "county_adcodes" } }),
    h("p", { dataset: { errorFor: "services" } }),
    h("p", { dataset: { errorFor: "gathering_points" } }),
    h("p", { dataset: { errorFor: "service_days" } }),
    h("p", { class: "form-error", dataset: { errorFor: "_form" }, role: "alert" }),
    h("button", { type: "submit" }, "创建活动 ", h("span", { class: "en" }, "Create campaign")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const data = new FormData(form);
    const capacity = data.get("daily_capacity");
    const body = {
      name: String(data.get("name")),
      mode: String(data.get("mode")),
      county_adcodes: [gap.adcode],
      start_date: String(data.get("start_date")) || null,
      end_date: String(data.get("end_date")) || null,
      host_station_id: Number(data.get("host_station_id")),
      vans: data.getAll("van").map((id) => ({ van_id: Number(id) })),
      services: DEFAULT_SERVICES,
      gathering_points: [{ name: `${gap.name}县城集合点`, lat: gap.seat_lat, lon: gap.seat_lon }],
      daily_capacity: capacity === "" ? null : Number(capacity),
    };
    form.querySelector("button[type=submit]").disabled = true;
    try {
      const campaign = await post("/api/planner/campaigns", body);
      location.hash = `#/campaigns/${campaign.id}`;
    } catch (error) {
      showError(form, error);
    } finally {
      form.querySelector("button[type=submit]").disabled = false;
    }
  });
  return form;
}
