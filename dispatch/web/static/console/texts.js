// Words people read on the call-center console: Chinese first, then English.
export const STATUS = {
  created: "待派单 / Created",
  uncovered: "无车覆盖 / Uncovered",
  offered: "待接单 / Offered",
  accepted: "已接单 / Accepted",
  en_route: "在途 / En route",
  on_site: "到达现场 / On site",
  in_service: "服务中 / In service",
  completed: "已完成 / Completed",
  towed: "已拖车 / Towed",
  cancelled: "已取消 / Cancelled",
  failed: "未完成 / Failed",
};
export const OPEN_STATUSES = ["created", "uncovered", "offered", "accepted", "en_route", "on_site", "in_service"];
export const CLOSED_STATUSES = ["completed", "towed", "cancelled", "failed"];

export const FAULT = {
  flat_tyre: "爆胎 / Flat tyre",
  battery: "电瓶亏电 / Battery",
  lockout: "钥匙锁车内 / Lockout",
  out_of_fuel: "燃油或电量耗尽 / Out of fuel",
  wont_start: "无法启动 / Won't start",
  accident: "事故 / Accident",
  needs_tow: "需要拖车 / Needs tow",
  other: "其他 / Other",
};
export const PRIORITY = { normal: "普通 / Normal", high: "高 / High", critical: "紧急 / Critical" };
export const PRIORITY_REASONS = {
  highway: "高速公路 / Highway",
  unsafe_location: "位置危险 / Unsafe location",
  elderly_on_board: "车上有老人 / Elderly on board",
  children_on_board: "车上有儿童 / Children on board",
  medical: "医疗需要 / Medical",
  extreme_weather: "极端天气 / Extreme weather",
};
export const POWERTRAIN = { ice: "燃油 / ICE", hybrid: "混动 / Hybrid", ev: "纯电 / EV" };
export const PRECISION = {
  exact: "精确坐标 / exact",
  street: "街道级 / street",
  county: "县区级（县政府驻地）/ county seat",
  city: "地市级 / city",
  province: "省级 / province",
};
export const DATUM = { wgs84: "WGS-84 (GPS)", gcj02: "GCJ-02（高德/腾讯 AMap/Tencent）", bd09: "BD-09（百度 Baidu）" };
export const VAN_STATE = {
  free: "空闲 / Free",
  offered: "派单中 / Offered",
  en_route: "在途 / En route",
  on_site: "现场 / On site",
  off_shift: "下班 / Off shift",
};
export const EVENT_KIND = {
  "job.created": "建单 / Created",
  "job.status": "状态变更 / Status",
  "job.eta": "预计到达更新 / ETA",
  "job.note": "备注 / Note",
  "job.parts": "用料 / Parts",
  "job.labour": "工时 / Labour",
  "job.corrected": "更正 / Corrected",
};

export const MESSAGE_TEMPLATE = {
  "job.accepted": "已接单通知 / Accepted",
  "job.en_route": "出发通知 / On its way",
  "job.on_site": "到达通知 / Arrived",
  "job.completed": "完工通知 / Completed",
};
export const DELIVERY = {
  pending: "待发送 / pending",
  sending: "发送中 / sending",
  delivered: "已送达 / delivered",
  dead: "发送失败 / failed",
  skipped: "车主拒收 / opted out",
};

export const statusText = (status) => STATUS[status] || status;
