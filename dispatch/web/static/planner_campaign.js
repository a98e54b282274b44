// One campaign: its days, vans and crews, bookings, the invitation list (CSV export) and availability.
import { clearErrors, formatClock, get, h, showError } from "./api.js";
import { downloadCsv, section, table } from "./planner_shared.js";

const INVITATION_LIMIT = 1000;

export async function showCampaign(main, campaignId) {
  const base = `/api/planner/campaigns/${campaignId}`;
  const [campaign, bookings, invitations] = await Promise.all([
    get(base),
    get(`${base}/bookings`),
    get(`${base}/invitations`, { limit: INVITATION_LIMIT }),
  ]);
  main.replaceChildren(
    h(
      "div",
      { class: "planner-page" },
      h("p", {}, h("a", { href: "#/" }, "← 覆盖与活动 / Coverage & campaigns")),
      h("h2", { id: "campaign-title" }, `${campaign.reference} ${campaign.name}`),
      h(
        "p",
        { class: "muted" },
        `${campaign.start_date} – ${campaign.end_date} · ${campaign.mode} · ${campaign.status} · ` +
          `每日容量 ${campaign.daily_capacity} / capacity a day · 县区 counties ${campaign.county_adcodes.join(", ")}`,
      ),
      section("服务日", "Service days", daysTable(campaign)),
      section("车辆与技师", "Vans and crews", vansTable(campaign)),
      section("预约", "Bookings", bookingsTable(bookings)),
      availabilitySection(base, campaign, invitations),
      invitationsSection(campaign, invitations),
    ),
  );
  return null;
}

function daysTable(campaign) {
  const rows = campaign.days.map((day) =>
    h(
      "tr",
      { dataset: { day: day.service_date } },
      h("td", {}, day.service_date),
      h("td", { class: "num" }, `${day.booked_count} / ${campaign.daily_capacity}`),
      h("td", {}, h("a", { href: `#/campaigns/${campaign.id}/days/${day.service_date}`, class: "day-plan-link" },
        "当日路线 / Day plan")),
    ),
  );
  return table([["日期", "Date"], ["已约", "Booked"], [""]], rows, { id: "days" });
}

function vansTable(campaign) {
  const rows = campaign.vans.map((van) =>
    h(
      "tr",
      {},
      h("td", {}, van.plate, h("span", { class: "muted" }, " " + van.name)),
      h("td", {}, `${van.shift_start.slice(0, 5)}–${van.shift_end.slice(0, 5)}`),
      h("td", {}, `${van.lunch_minutes} 分 / min`),
      h("td", {}, van.technicians.join("、") || "—"),
      h("td", {}, van.skills.join(", ")),
    ),
  );
  return table([["车辆", "Van"], ["班次", "Shift"], ["午休", "Lunch"], ["技师", "Crew"], ["技能", "Skills"]], rows, { id: "vans" });
}

function bookingsTable(bookings) {
  if (!bookings.length) return h("p", { class: "muted" }, "暂无预约 / No bookings yet");
  const rows = bookings.map((b) =>
    h(
      "tr",
      {},
      h("td", {}, b.reference),
      h("td", {}, b.window.label),
      h("td", {}, b.owner_name, h("span", { class: "muted" }, " " + b.phone)),
      h("td", {}, b.service_code),
      h("td", {}, b.gathering_point || b.address || `${b.lat.toFixed(4)}, ${b.lon.toFixed(4)}`),
      h("td", {}, b.status),
      h("td", {}, b.planned_arrival_at ? formatClock(b.planned_arrival_at) : "—"),
    ),
  );
  return table(
    [["编号", "Ref"], ["时段", "Window"], ["车主", "Owner"], ["项目", "Service"], ["地点", "Place"], ["状态", "Status"], ["计划到达", "Planned"]],
    rows,
    { id: "bookings" },
  );
}

function invitationsSection(campaign, invitations) {
  const shown = invitations.slice(0, 50);
  const rows = shown.map((inv) =>
    h(
      "tr",
      {},
      h("td", {}, inv.name),
      h("td", {}, inv.phone),
      h("td", {}, inv.address),
      h("td", {}, inv.vehicles.map((v) => v.plate).join(", ")),
      h("td", { class: "num" }, inv.overdue_ratio.toFixed(2)),
      h("td", {}, inv.already_booked ? "已约 / booked" : ""),
    ),
  );
  const exportButton = h(
    "button",
    {
      type: "button",
      id: "export-invitations",
      class: "secondary",
      onclick: () =>
        downloadCsv(`${campaign.reference}-invitations.csv`, [
          ["owner_id", "name", "phone", "address", "county_adcode", "plates", "overdue_ratio", "already_booked"],
          ...invitations.map((inv) => [
            inv.owner_id, inv.name, inv.phone, inv.address, inv.county_adcode,
            inv.vehicles.map((v) => v.plate).join(" "), inv.overdue_ratio, inv.already_booked,
          ]),
        ]),
    },
    "导出 CSV ",
    h("span", { class: "en" }, "Export CSV"),
  );
  return section(
    "邀约名单",
    "Invitation list",
    h("p", {}, `${invitations.length} 位车主，最久未保养在前 / owners, most overdue first `, exportButton),
    table([["车主", "Owner"], ["电话", "Phone"], ["地址", "Address"], ["车牌", "Plates"], ["逾期", "Overdue"], [""]], rows, { id: "invitations" }),
  );
}

// Door-to-door campaigns ask at an owner's home (from the invitation list); gathering-point campaigns at a point.
function placeChoice(campaign, invitations) {
  if (campaign.mode === "gathering_points") {
    return ["gathering_point", campaign.gathering_points.map((p) => h("option", { value: p.name }, p.name))];
  }
  return ["owner_id", invitations.slice(0, 200).map((inv) => h("option", { value: inv.owner_id }, `${inv.name} · ${inv.address}`))];
}

function availabilitySection(base, campaign, invitations) {
  const result = h("div", { id: "availability" });
  const [placeField, options] = placeChoice(campaign, invitations);
  const form = h(
    "form",
    { id: "availability-form", class: "row", novalidate: true },
    h("label", {}, "服务项目 ", h("span", { class: "en" }, "Service"),
      h("select", { name: "service_code" }, campaign.services.map((s) => h("option", { value: s.code }, s.name))),
      h("p", { dataset: { errorFor: "service_code" } })),
    h("label", {}, placeField === "owner_id" ? "车主家 " : "集合点 ",
      h("span", { class: "en" }, placeField === "owner_id" ? "Owner's home" : "Gathering point"),
      h("select", { name: placeField }, options),
      h("p", { dataset: { errorFor: placeField } })),
    h("button", { type: "submit" }, "查询 ", h("span", { class: "en" }, "Check")),
    h("p", { class: "form-error", dataset: { errorFor: "_form" } }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const data = new FormData(form);
    result.replaceChildren(h("p", { class: "muted" }, "查询中… / Checking…"));
    try {
      const availability = await get(`${base}/availability`, {
        service_code: data.get("service_code"),
        [placeField]: data.get(placeField),
      });
      result.replaceChildren(availabilityGrid(availability));
    } catch (error) {
      result.replaceChildren();
      showError(form, error);
    }
  });
  const usable = options.length ? form : h("p", { class: "muted" }, "没有可查询的地点 / No place to ask about");
  return section("可预约时段", "Availability by day and window", usable, result);
}

function availabilityGrid(availability) {
  const rows = availability.days.map((day) =>
    h(
      "tr",
      {},
      h("td", {}, day.service_date),
      h("td", { class: "num" }, `${day.booked_count} / ${day.daily_capacity}${day.full ? " 已满 / full" : ""}`),
      h(
        "td",
        {},
        day.windows.map((w) =>
          h("span", { class: "badge " + (w.feasible ? "ok" : "attention") }, `${w.label.split(" ").pop()} ${w.feasible ? "✓" : "✗"}`),
        ),
      ),
    ),
  );
  return table([["日期", "Date"], ["已约", "Booked"], ["到达时段", "Windows (✓ bookable)"]], rows);
}
