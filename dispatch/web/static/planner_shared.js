// Small pieces the planner screens share: van colours, section frames, CSV.
import { config, h } from "./api.js";

export const VAN_COLOURS = ["#d7263d", "#1b998b", "#3f51b5", "#f49d37", "#8e44ad", "#2e86de", "#6d4c41", "#c2185b"];

export function vanColour(index) {
  return VAN_COLOURS[index % VAN_COLOURS.length];
}

export function section(title, english, ...children) {
  return h("section", { class: "panel" }, h("h2", {}, title, " ", h("span", { class: "en" }, english)), ...children);
}

export function table(headers, rows, attrs = {}) {
  const head = h("tr", {}, headers.map(([zh, en]) => h("th", {}, zh, en ? h("span", { class: "en" }, " " + en) : null)));
  return h("table", { class: "grid", ...attrs }, h("thead", {}, head), h("tbody", {}, rows));
}

export function downloadCsv(filename, rows) {
  const escape = (value) => {
    const text = value === null || value === undefined ? "" : String(value);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const text = rows.map((row) => row.map(escape).join(",")).join("\r\n");
  // A byte-order mark so that spreadsheet programs read the Chinese as UTF-8.
  const blob = new Blob(["\ufeff" + text], { type: "text/csv;charset=utf-8" });
  const link = h("a", { href: URL.createObjectURL(blob), download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

export function km(value) {
  return `${Number(value).toFixed(1)} km`;
}

export function hours(value) {
  return `${Number(value).toFixed(1)} 时 / h`;
}
