// Stations and vans from the fleet API; vans are read again every few seconds for their latest position.
import { get } from "../api.js";

const VAN_REFRESH_MS = 5000;
const CLOSED = ["completed", "towed", "cancelled", "failed"];

export class Fleet {
  constructor(store) {
    this.store = store;
    this.stations = new Map();
    this.vans = new Map();
    this.listeners = new Set();
    this.cityNames = new Map(); // adcode -> 宁波市
  }

  subscribe(listener) {
    this.listeners.add(listener);
  }

  _changed() {
    for (const listener of this.listeners) listener();
  }

  async load() {
    const [stations, cities] = await Promise.all([
      get("/api/fleet/stations"),
      get("/api/call-center/cities"),
      this.loadVans(),
    ]);
    for (const city of cities) this.cityNames.set(city.adcode, city.name);
    for (const station of stations) this.stations.set(station.id, station);
    this._changed();
    setInterval(() => this.loadVans().then(() => this._changed()), VAN_REFRESH_MS);
  }

  async loadVans() {
    const vans = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await get("/api/fleet/vans", { limit: 1000, offset });
      vans.push(...page);
      if (page.length < 1000) break;
    }
    for (const van of vans) this.vans.set(van.id, { ...this.vans.get(van.id), ...van });
  }

  // A van seen moving in a stream event (job.eta carries the position the ETA was computed from).
  moveVan(vanId, lat, lon, at) {
    const van = this.vans.get(vanId);
    if (!van || (van.last_position_at && at && Date.parse(at) < Date.parse(van.last_position_at))) return;
    Object.assign(van, { last_lat: lat, last_lon: lon, last_position_at: at });
    this._changed();
  }

  // The van of a job: the job's own `van` (plate, station, crew) or its pending `offer`; the fleet's record
  // only between a stream event and the job's next read.
  vanOf(job) {
    if (job.van) return job.van;
    if (job.offer && job.offer.van_id === job.van_id) return { id: job.offer.van_id, plate: job.offer.plate, crew: [] };
    if (job.van_id === null || job.van_id === undefined) return null;
    return this.vans.get(job.van_id) || { id: job.van_id, plate: `#${job.van_id}`, crew: [] };
  }

  // The latest ping, or the home station for a van that has not reported yet.
  positionOf(van) {
    if (van.last_lat !== null && van.last_lat !== undefined) return [van.last_lat, van.last_lon];
    const station = this.stations.get(van.station_id);
    return station ? [station.lat, station.lon] : null;
  }

  cityName(adcode) {
    return this.cityNames.get(adcode) || "";
  }

  jobOfVan(vanId) {
    for (const job of this.store.jobs.values()) {
      if (job.van_id === vanId && !CLOSED.includes(job.status)) return job;
    }
    return null;
  }

  openJobsByVan() {
    const byVan = new Map();
    for (const job of this.store.jobs.values()) {
      if (job.van_id !== null && job.van_id !== undefined && !CLOSED.includes(job.status)) byVan.set(job.van_id, job);
    }
    return byVan;
  }

  // free | offered | en_route | on_site | off_shift
  stateOf(van, jobsByVan = null) {
    const job = jobsByVan ? jobsByVan.get(van.id) : this.jobOfVan(van.id);
    if (job) {
      if (job.status === "offered") return "offered";
      if (job.status === "accepted" || job.status === "en_route") return "en_route";
      return "on_site";
    }
    return van.status === "available" ? "free" : van.status === "busy" ? "en_route" : "off_shift";
  }
}
