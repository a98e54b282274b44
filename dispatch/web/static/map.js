// Leaflet maps for every screen: the deployment's tile layer (or none, offline), and positions converted
// from WGS-84 (inside) to the tiles' datum (GCJ-02 for AMap, Tencent and the like) only for display.
import { config } from "./api.js";
import { gcj02ToWgs84, wgs84ToGcj02 } from "./datum.js";

const L = window.L;
export const tileDatum = config.tileDatum || "wgs84";

// WGS-84 -> the map's display coordinates.
export function toMap(lat, lon) {
  return tileDatum === "gcj02" ? wgs84ToGcj02(lat, lon) : [lat, lon];
}

// A click on the map -> WGS-84.
export function fromMap(latlng) {
  return tileDatum === "gcj02" ? gcj02ToWgs84(latlng.lat, latlng.lng) : [latlng.lat, latlng.lng];
}

export function createMap(element, { center = [29.5, 120.5], zoom = 7 } = {}) {
  const map = L.map(element, { preferCanvas: true, zoomControl: true }).setView(toMap(...center), zoom);
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution || "", maxZoom: 18 }).addTo(map);
  } else {
    element.classList.add("no-tiles");
  }
  L.control.scale({ metric: true, imperial: false }).addTo(map);
  return map;
}

// A geodesic-enough circle of `radiusKm` around a WGS-84 point (Leaflet's circle is metric).
export function radiusCircle(lat, lon, radiusKm, options = {}) {
  return L.circle(toMap(lat, lon), { radius: radiusKm * 1000, ...options });
}

export function dot(lat, lon, options = {}) {
  return L.circleMarker(toMap(lat, lon), { radius: 6, weight: 1, fillOpacity: 0.9, ...options });
}

// GeoJSON in WGS-84, drawn in the map's datum.
export function geoJson(data, options = {}) {
  const coordsToLatLng = (coords) => L.latLng(...toMap(coords[1], coords[0]));
  return L.geoJSON(data, { coordsToLatLng, ...options });
}
