// While the agent types a new job: a known vehicle fills in model and powertrain, and the location is
// previewed (where the job would land, how precisely) before anything is created.
import { get, h, post } from "../api.js";
import { POWERTRAIN, PRECISION } from "./texts.js";

const ROUGH = ["county", "city", "province"];

// The `location` of a job body from the form's fields (numbers left as typed when they are not numbers,
// so the API names the field).
export function locationOf(form) {
  const text = (name) => String(form.elements[name].value || "").trim();
  const number = (name) => (Number.isNaN(Number(text(name))) ? text(name) : Number(text(name)));
  const location = { address: text("location.address") || null, datum: text("location.datum") };
  if (text("location.lat") !== "" || text("location.lon") !== "") {
    location.lat = text("location.lat") === "" ? null : number("location.lat");
    location.lon = text("location.lon") === "" ? null : number("location.lon");
  }
  return location;
}

// Look the vehicle up when the plate or VIN is changed; fill what the agent left empty, and take back what
// an earlier look-up filled (and the agent left as it was) when the vehicle changes.
export function watchVehicle(form, note) {
  const field = (name) => form.elements[name];
  let asked = "";
  let filled = {};
  const fill = (name, value) => {
    field(name).value = value;
    filled[name] = value;
  };
  const lookUp = async () => {
    const plate = field("vehicle.plate").value.trim();
    const vin = field("vehicle.vin").value.trim();
    const query = plate ? { plate } : vin ? { vin } : null;
    const key = JSON.stringify(query);
    if (key === asked) return;
    asked = key;
    for (const [name, value] of Object.entries(filled)) if (field(name).value === value) field(name).value = "";
    filled = {};
    if (!query) {
      note.textContent = "";
      return;
    }
    let found = [];
    try {
      found = await get("/api/call-center/vehicles", query);
    } catch (error) {
      found = []; // a half-typed plate or VIN is no vehicle yet; the API names it when the job is created
    }
    if (key !== asked) return;
    note.dataset.known = found.length ? "true" : "false";
    if (!found.length) {
      note.textContent = "未登记车辆：请填写车型和动力 / Not registered: fill in model and powertrain";
      return;
    }
    const vehicle = found[0];
    if (!field("vehicle.model").value.trim()) fill("vehicle.model", vehicle.model);
    if (!field("vehicle.powertrain").value) fill("vehicle.powertrain", vehicle.powertrain);
    if (!field("vehicle.vin").value.trim()) fill("vehicle.vin", vehicle.vin);
    note.textContent = `已登记车辆 / Known vehicle: ${vehicle.plate} · ${vehicle.vin} · ${vehicle.model} · ${POWERTRAIN[vehicle.powertrain] || vehicle.powertrain}`;
  };
  field("vehicle.plate").addEventListener("change", lookUp);
  field("vehicle.vin").addEventListener("change", lookUp);
}

// Preview the location whenever its fields change; returns the function, for changes made by a map click.
export function watchLocation(form, { box, jobMap }) {
  let asked = 0;
  const preview = async ({ focus = true } = {}) => {
    const location = locationOf(form);
    const mine = ++asked;
    if (!location.address && location.lat === undefined) {
      box.replaceChildren();
      return;
    }
    try {
      const place = await post("/api/call-center/geocode", { location });
      if (mine !== asked) return;
      box.dataset.precision = place.precision;
      const divisions = [place.province_name, place.city_name, place.county_name].filter(Boolean).join(" ");
      box.replaceChildren(
        h("strong", {}, "精度 / Precision: ", h("span", { class: "precision" }, PRECISION[place.precision] || place.precision)),
        ` · ${divisions} · ${place.lat.toFixed(5)}, ${place.lon.toFixed(5)}`,
        ROUGH.includes(place.precision)
          ? h("div", { class: "badge attention" }, "位置粗略：请在地图上点选准确位置 / Rough: click the map at the exact spot")
          : null,
      );
      jobMap.showPick(place.lat, place.lon);
      if (focus) jobMap.focusPoint(place.lat, place.lon);
    } catch (error) {
      if (mine !== asked) return;
      delete box.dataset.precision;
      box.replaceChildren(h("span", { class: "form-error shown" }, error.message));
    }
  };
  for (const name of ["location.address", "location.lat", "location.lon", "location.datum"]) {
    form.elements[name].addEventListener("change", () => preview());
  }
  return preview;
}
