// Correct an open job (PATCH /api/call-center/jobs/{id}, schema `JobUpdate`): the caller's phone, the fault,
// the location (address, or coordinates with their datum, or a click on the map). Only changed fields are
// sent, with the `version` the agent started from; a job that moved on meanwhile is a 409, after which the
// form takes the current version and asks the agent to check and save again.
import { clearErrors, get, h, request, showError } from "../api.js";
import { fromMap } from "../map.js";
import { DATUM, FAULT } from "./texts.js";

const options = (map) => Object.entries(map).map(([value, text]) => h("option", { value }, text));

function field(label, name, input) {
  input.name = name;
  return h("label", {}, label, input, h("p", { dataset: { errorFor: name } }));
}

export function correctionForm({ job, store, jobMap }) {
  let base = job; // the job as the agent saw it when the form was filled
  const form = h("form", { class: "edit-form", id: "correct-job", novalidate: true, dataset: { needsOpen: "" } });
  const phone = h("input", { inputmode: "tel", autocomplete: "off" });
  const category = h("select", {}, options(FAULT));
  const description = h("input", { autocomplete: "off" });
  const address = h("input", { autocomplete: "off" });
  const lat = h("input", { inputmode: "decimal" });
  const lon = h("input", { inputmode: "decimal" });
  const datum = h("select", {}, options(DATUM));
  const saved = h("p", { class: "muted", id: "correct-saved" });

  const fillFrom = (current) => {
    base = current;
    phone.value = current.caller_phone;
    category.value = current.fault_category;
    description.value = current.fault_description || "";
    address.value = current.address_source === "caller" ? current.address : "";
    lat.value = current.lat;
    lon.value = current.lon;
    datum.value = "wgs84";
  };
  fillFrom(job);

  // Opening the form starts from the job as it is now. On the summary's click, before the details open:
  // the "toggle" event comes a task later, and refilling then could wipe what the agent already typed.
  const summary = h("summary", {}, "更正信息 / Correct the job");
  summary.addEventListener("click", () => {
    if (!details.open) fillFrom(store.jobs.get(job.id) || base);
  });
  const details = h("details", {},
    summary,
    field("电话 / Phone", "caller_phone", phone),
    h("div", { class: "cols" },
      field("故障 / Fault", "fault_category", category),
      field("故障描述 / Description", "fault_description", description)),
    field("地址 / Address", "location.address", address),
    h("div", { class: "cols three" },
      field("纬度 / Lat", "location.lat", lat),
      field("经度 / Lon", "location.lon", lon),
      field("坐标系 / Datum", "location.datum", datum)),
    h("p", { dataset: { errorFor: "location" } }),
    h("button", { type: "button", class: "secondary small", onclick: () => jobMap.pick((latlng) => {
      const [pickedLat, pickedLon] = fromMap(latlng);
      lat.value = pickedLat.toFixed(6);
      lon.value = pickedLon.toFixed(6);
      datum.value = "wgs84";
      jobMap.showPick(pickedLat, pickedLon);
    }) }, "在地图上点选位置 / Pick the location on the map"),
    h("p", { dataset: { errorFor: "version" } }),
    h("p", { dataset: { errorFor: "body" } }),
    h("p", { class: "form-error", dataset: { errorFor: "_form" } }),
    h("button", { type: "submit" }, "保存更正 / Save"),
    saved);
  form.append(details);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    saved.textContent = "";
    const body = changesOf(base, { phone, category, description, address, lat, lon, datum });
    try {
      const { data } = await request("PATCH", `/api/call-center/jobs/${job.id}`, { body });
      store.upsert(data);
      fillFrom(data);
      jobMap.pick(null);
      saved.textContent = "已保存 / Saved";
    } catch (error) {
      showError(form, error);
      if (error.code === "stale_version") {
        const current = await get(`/api/call-center/jobs/${job.id}`);
        store.upsert(current);
        base = current; // the agent's edits stay in the fields; saving again applies them to this version
      }
    }
  });
  return form;
}

// The `JobUpdate` body: `version` and only what differs from the job the agent started from.
function changesOf(job, fields) {
  const body = { version: job.version };
  const phone = fields.phone.value.trim();
  if (phone !== job.caller_phone) body.caller_phone = phone;
  if (fields.category.value !== job.fault_category) body.fault_category = fields.category.value;
  if (fields.description.value !== (job.fault_description || "")) body.fault_description = fields.description.value;
  const address = fields.address.value.trim();
  const callerAddress = job.address_source === "caller" ? job.address : "";
  const moved = fields.lat.value.trim() !== String(job.lat) || fields.lon.value.trim() !== String(job.lon)
    || fields.datum.value !== "wgs84";
  if (moved) {
    body.location = { lat: numberOrText(fields.lat.value), lon: numberOrText(fields.lon.value), datum: fields.datum.value };
    if (address) body.location.address = address;
  } else if (address !== callerAddress) {
    body.location = { address: address || null };
  }
  return body;
}

// Not a number: sent as typed, so the API names the field.
function numberOrText(value) {
  const text = value.trim();
  if (text === "") return null;
  return Number.isNaN(Number(text)) ? text : Number(text);
}
