// The console's map: coverage gaps, stations with their rescue radius, vans by state, open jobs.
// Vans and jobs are DOM markers (data-van-id / data-job-id), so what a person sees is what a test checks.
import { get } from "../api.js";
import { createMap, dot, geoJson, radiusCircle, toMap } from "../map.js";
import { OPEN_STATUSES, statusText, VAN_STATE } from "./texts.js";

const L = window.L;
const RESCUE_RADIUS_KM = 150;

export class JobMap {
  constructor({ element, store, fleet, onOpen }) {
    this.store = store;
    this.fleet = fleet;
    this.onOpen = onOpen;
    this.map = createMap(element);
    this.canvas = L.canvas({ padding: 0.2 });
    this.coverageLayer = L.layerGroup().addTo(this.map);
    this.stationLayer = L.layerGroup().addTo(this.map);
    this.vanLayer = L.layerGroup().addTo(this.map);
    this.jobLayer = L.layerGroup().addTo(this.map);
    this.vanMarkers = new Map();
    this.jobMarkers = new Map();
    this.pickHandler = null;
    this.pickMarker = null;
    L.control
      .layers(null, {
        "覆盖缺口 / Coverage gaps": this.coverageLayer,
        "服务站 150 km / Stations": this.stationLayer,
        "救援车 / Vans": this.vanLayer,
        "救援单 / Jobs": this.jobLayer,
      })
      .addTo(this.map);
    this._legend().addTo(this.map);
    this.map.on("click", (event) => this.pickHandler && this.pickHandler(event.latlng));
    store.subscribe((ids) => this.updateJobs(ids));
    fleet.subscribe(() => this.updateVans());
  }

  _legend() {
    const legend = L.control({ position: "bottomleft" });
    legend.onAdd = () => {
      const box = L.DomUtil.create("div", "map-legend");
      box.innerHTML = Object.entries(VAN_STATE)
        .map(([state, text]) => `<span><i class="van-dot v-${state}"></i>${text}</span>`)
        .join("");
      return box;
    };
    return legend;
  }

  drawStations() {
    this.stationLayer.clearLayers();
    for (const s of this.fleet.stations.values()) {
      radiusCircle(s.lat, s.lon, RESCUE_RADIUS_KM, {
        renderer: this.canvas, color: "#0b63c5", weight: 1, opacity: 0.3, fill: false, interactive: false,
      }).addTo(this.stationLayer);
      dot(s.lat, s.lon, { renderer: this.canvas, radius: 4, color: "#0b63c5", fillColor: "#fff" })
        .bindTooltip(s.name)
        .addTo(this.stationLayer);
    }
  }

  // Counties no station covers (the coverage API's gap seats), shaded.
  async drawCoverage() {
    let data;
    try {
      data = await get("/api/planner/coverage.geojson");
    } catch (error) {
      console.warn("coverage unavailable", error);
      return;
    }
    const gaps = { type: "FeatureCollection", features: data.features.filter(
      (f) => f.properties.kind === "gap" && f.properties.layer === "rescue") };
    geoJson(gaps, {
      pointToLayer: (feature, latlng) =>
        L.circle(latlng, { renderer: this.canvas, radius: 12000, color: "#c62828", weight: 1, fillOpacity: 0.25 }),
      onEachFeature: (feature, layer) =>
        layer.bindTooltip(`无救援覆盖 / Not covered: ${feature.properties.name || ""}`),
    }).addTo(this.coverageLayer);
  }

  updateJobs(ids) {
    const jobs = ids ? ids.map((id) => this.store.jobs.get(id)).filter(Boolean) : [...this.store.jobs.values()];
    for (const job of jobs) {
      const existing = this.jobMarkers.get(job.id);
      if (!OPEN_STATUSES.includes(job.status)) {
        if (existing) existing.remove();
        this.jobMarkers.delete(job.id);
        continue;
      }
      const html = `<div class="job-marker s-${job.status}" data-job-id="${job.id}" data-reference="${job.reference}"></div>`;
      const icon = L.divIcon({ className: "", html, iconSize: [14, 14] });
      if (existing) {
        existing.setLatLng(toMap(job.lat, job.lon));
        if (existing.options.icon.options.html !== html) {
          existing.setIcon(icon);
          existing.setTooltipContent(`${job.reference} ${statusText(job.status)}`);
        }
      } else {
        const marker = L.marker(toMap(job.lat, job.lon), { icon, zIndexOffset: 500 })
          .bindTooltip(`${job.reference} ${statusText(job.status)}`)
          .on("click", () => this.onOpen(job.id))
          .addTo(this.jobLayer);
        this.jobMarkers.set(job.id, marker);
      }
    }
    this.updateVans();
  }

  updateVans() {
    const jobsByVan = this.fleet.openJobsByVan();
    for (const van of this.fleet.vans.values()) {
      const position = this.fleet.positionOf(van);
      if (!position) continue;
      const state = this.fleet.stateOf(van, jobsByVan);
      const marker = this.vanMarkers.get(van.id);
      const html = `<div class="van-marker v-${state}" data-van-id="${van.id}" data-plate="${van.plate}" data-state="${state}">${van.kind === "mobile_station" ? "M" : ""}</div>`;
      if (marker) {
        marker.setLatLng(toMap(...position));
        if (marker.options.icon.options.html !== html) marker.setIcon(L.divIcon({ className: "", html, iconSize: [12, 12] }));
      } else {
        const created = L.marker(toMap(...position), {
          icon: L.divIcon({ className: "", html, iconSize: [12, 12] }),
        })
          .bindPopup(() => this._vanPopup(van.id))
          .addTo(this.vanLayer);
        this.vanMarkers.set(van.id, created);
      }
    }
  }

  _vanPopup(vanId) {
    const van = this.fleet.vans.get(vanId);
    const job = this.fleet.jobOfVan(vanId);
    const crew = (job && job.van && job.van.crew) || van.crew || [];
    const box = document.createElement("div");
    box.className = "van-popup";
    const station = this.fleet.stations.get(van.station_id);
    box.innerHTML = `<strong>${van.plate}</strong> ${VAN_STATE[this.fleet.stateOf(van)]}<br>
      <span class="muted">${station ? station.name : ""}</span>`;
    for (const member of crew) box.append(Object.assign(document.createElement("div"), { textContent: `${member.name} ${member.phone || ""}` }));
    if (job) {
      const link = Object.assign(document.createElement("a"), { href: `#job/${job.id}`, textContent: `${job.reference} ${statusText(job.status)}` });
      box.append(document.createElement("br"), link);
    }
    return box;
  }

  focusJob(job) {
    this.map.setView(toMap(job.lat, job.lon), Math.max(this.map.getZoom(), 9), { animate: false });
  }

  // Clicks on the map go to `handler(latlng)` until cleared (new job / correct a location).
  pick(handler) {
    this.pickHandler = handler;
    this.map.getContainer().classList.toggle("picking", Boolean(handler));
  }

  focusPoint(lat, lon) {
    this.map.setView(toMap(lat, lon), Math.max(this.map.getZoom(), 10), { animate: false });
  }

  showPick(lat, lon) {
    if (this.pickMarker) this.pickMarker.remove();
    this.pickMarker = L.marker(toMap(lat, lon), {
      icon: L.divIcon({ className: "", html: '<div class="pick-marker"></div>', iconSize: [18, 18] }),
    }).addTo(this.map);
  }
}
