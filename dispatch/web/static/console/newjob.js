// New job: caller, vehicle, fault, and a location by Chinese address, by coordinates with their datum, or
// by a click on the map. API errors appear next to the field they name; a duplicate call links the open job.
import { clearErrors, h, post, showError } from "../api.js";
import { fromMap } from "../map.js";
import { locationOf, watchLocation, watchVehicle } from "./intake_aids.js";
import { DATUM, FAULT, POWERTRAIN, PRIORITY, PRIORITY_REASONS } from "./texts.js";

const options = (map, blank) => [
  blank ? h("option", { value: "" }, blank) : null,
  Object.entries(map).map(([value, text]) => h("option", { value }, text)),
];

function field(label, name, input) {
  input.name = name;
  return h("label", {}, label, input, h("p", { dataset: { errorFor: name } }));
}

export function newJobForm({ jobMap, onCreated, onOpen }) {
  const form = h("form", { id: "new-job", class: "panel-form", novalidate: true });
  const lat = h("input", { inputmode: "decimal", placeholder: "30.2741" });
  const lon = h("input", { inputmode: "decimal", placeholder: "120.1551" });
  const datum = h("select", {}, options(DATUM));
  const vehicleNote = h("p", { class: "muted", id: "vehicle-note" });
  const locationPreview = h("div", { class: "location-preview", id: "location-preview" });
  let previewLocation = () => {};
  form.append(
    h("h2", {}, "新建救援单 ", h("span", { class: "en" }, "New job")),
    h(
      "div",
      { class: "cols" },
      field("来电人 / Caller", "caller_name", h("input", { autocomplete: "off" })),
      field("电话 / Phone", "caller_phone", h("input", { inputmode: "tel", autocomplete: "off" })),
    ),
    h(
      "div",
      { class: "cols" },
      field("车牌 / Plate", "vehicle.plate", h("input", { autocomplete: "off", placeholder: "浙A12345" })),
      field("车架号 / VIN", "vehicle.vin", h("input", { autocomplete: "off" })),
    ),
    h(
      "div",
      { class: "cols" },
      field("车型 / Model", "vehicle.model", h("input", { placeholder: "已登记车辆自动填写 / filled for known vehicles" })),
      field("动力 / Powertrain", "vehicle.powertrain", h("select", {}, options(POWERTRAIN, "已登记车辆自动填写 / from vehicle record"))),
    ),
    vehicleNote,
    h("p", { dataset: { errorFor: "vehicle" } }),
    h(
      "div",
      { class: "cols" },
      field("故障 / Fault", "fault_category", h("select", {}, options(FAULT))),
      field("优先级 / Priority", "priority", h("select", {}, options(PRIORITY))),
    ),
    h(
      "fieldset",
      { class: "reasons" },
      h("legend", {}, "风险 / Risks"),
      Object.entries(PRIORITY_REASONS).map(([value, text]) =>
        h("label", { class: "inline" }, h("input", { type: "checkbox", name: "priority_reasons", value }), text),
      ),
      h("p", { dataset: { errorFor: "priority_reasons" } }),
    ),
    field("故障描述 / Description", "fault_description", h("textarea", { rows: 2 })),
    h(
      "fieldset",
      {},
      h("legend", {}, "位置 / Location"),
      field("地址 / Address", "location.address", h("input", { placeholder: "浙江省宁波市宁海县跃龙街道…" })),
      h(
        "div",
        { class: "cols three" },
        field("纬度 / Lat", "location.lat", lat),
        field("经度 / Lon", "location.lon", lon),
        field("坐标系 / Datum", "location.datum", datum),
      ),
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          id: "pick-on-map",
          onclick: () =>
            jobMap.pick((latlng) => {
              const [pickedLat, pickedLon] = fromMap(latlng);
              lat.value = pickedLat.toFixed(6);
              lon.value = pickedLon.toFixed(6);
              datum.value = "wgs84";
              jobMap.showPick(pickedLat, pickedLon);
              previewLocation({ focus: false });
            }),
        },
        "在地图上点选 ",
        h("span", { class: "en" }, "Pick on the map"),
      ),
      locationPreview,
      h("p", { dataset: { errorFor: "location" } }),
    ),
    h("label", { class: "inline" }, h("input", { type: "checkbox", name: "auto_dispatch" }), "建单后立即派给最优车辆 / Dispatch to the best van at once"),
    h("p", { class: "form-error", dataset: { errorFor: "_form" } }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "建单 ", h("span", { class: "en" }, "Create")), " ", h("kbd", {}, "Ctrl+Enter")),
  );
  watchVehicle(form, vehicleNote);
  previewLocation = watchLocation(form, { box: locationPreview, jobMap });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const created = await post("/api/call-center/jobs", bodyOf(form));
      jobMap.pick(null);
      onCreated(created);
    } catch (error) {
      showError(form, error);
      if (error.code === "duplicate_open_job" && error.details.job_id) {
        const slot = form.querySelector('[data-error-for="vehicle"]');
        slot.append(" ", h("a", { href: `#job/${error.details.job_id}`, class: "duplicate-link",
          onclick: (e) => { e.preventDefault(); onOpen(error.details.job_id); } },
          `打开 ${error.details.reference} / Open it`));
      }
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function bodyOf(form) {
  const data = new FormData(form);
  const text = (name) => String(data.get(name) || "").trim();
  const vehicle = { plate: text("vehicle.plate") || null, vin: text("vehicle.vin") || null, model: text("vehicle.model") };
  if (text("vehicle.powertrain")) vehicle.powertrain = text("vehicle.powertrain");
  const location = locationOf(form);
  return {
    caller_name: text("caller_name"),
    caller_phone: text("caller_phone"),
    vehicle,
    fault_category: text("fault_category"),
    fault_description: text("fault_description"),
    priority: text("priority"),
    priority_reasons: data.getAll("priority_reasons"),
    location,
    auto_dispatch: data.get("auto_dispatch") === "on",
  };
}
