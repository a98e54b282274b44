"""The owners' SMS texts: short, Chinese, with the tracking link where it helps.

Each template is rendered when the message is sent, from the context the outbox row stored when the
change happened, so what the row says was sent is exactly what the channel got.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

SIGNATURE = "【整车厂服务】"


class MessageContext:
    """Read access to a stored context, with times shown in the display time zone."""

    def __init__(self, context: dict[str, Any], *, base_url: str, timezone: str):
        self.values = context
        self.base_url = base_url.rstrip("/")
        self.zone = ZoneInfo(timezone)

    def __getitem__(self, name: str) -> str:
        return str(self.values.get(name) or "")

    @property
    def link(self) -> str:
        token = self.values.get("token")
        return f" 查看进度：{self.base_url}/track/{token}" if token else ""

    def clock(self, name: str) -> str:
        return self._local(name, "%H:%M")

    def day(self, name: str) -> str:
        return self._local(name, "%m月%d日")

    def _local(self, name: str, pattern: str) -> str:
        value = self.values.get(name)
        if not value:
            return "待定"
        return datetime.fromisoformat(str(value)).astimezone(self.zone).strftime(pattern)


def _accepted(c: MessageContext) -> str:
    eta = f"，预计 {c.clock('eta_at')} 到达" if c.values.get("eta_at") else ""
    return f"{SIGNATURE}您的救援单 {c['reference']} 已受理，救援车 {c['plate']} 已接单{eta}。{c.link}"


def _en_route(c: MessageContext) -> str:
    return f"{SIGNATURE}救援车 {c['plate']} 正在赶往您的位置，请留在安全地带。{c.link}"


def _on_site(c: MessageContext) -> str:
    return f"{SIGNATURE}救援技师已到达现场（救援单 {c['reference']}）。"


def _completed(c: MessageContext) -> str:
    return f"{SIGNATURE}救援单 {c['reference']} 已完成服务，感谢您的耐心。欢迎点链接为本次服务评分。{c.link}"


def _window(c: MessageContext) -> str:
    return f"{c.day('window_start')} {c.clock('window_start')}-{c.clock('window_end')}"


def _booking_confirmed(c: MessageContext) -> str:
    return f"{SIGNATURE}您已预约{c['campaign']}下乡服务（{c['reference']}），上门时间 {_window(c)}。{c.link}"


def _reminder(c: MessageContext) -> str:
    return (
        f"{SIGNATURE}提醒：明天 {_window(c)} 流动服务站将为您服务（{c['reference']}），请留意来电。{c.link}"
    )


def _window_changed(c: MessageContext) -> str:
    when = _window(c)
    if c.values.get("planned_arrival_at"):
        when = f"{c.day('planned_arrival_at')} {c.clock('planned_arrival_at')} 前后"
    return f"{SIGNATURE}您的上门服务时间已调整为 {when}（{c['reference']}）。{c.link}"


def _booking_cancelled(c: MessageContext) -> str:
    return f"{SIGNATURE}您的下乡服务预约 {c['reference']} 已取消。如需重新预约请致电服务热线。"


def _escalation(c: MessageContext) -> str:
    deadline = c.clock("ack_due_at")
    return f"{SIGNATURE}客户投诉/低分预警：{c['reference']}（{c['reason']}），请于 {deadline} 前确认处理。"


TEMPLATES: dict[str, Callable[[MessageContext], str]] = {
    "job.accepted": _accepted,
    "job.en_route": _en_route,
    "job.on_site": _on_site,
    "job.completed": _completed,
    "booking.confirmed": _booking_confirmed,
    "booking.reminder": _reminder,
    "booking.window_changed": _window_changed,
    "booking.cancelled": _booking_cancelled,
    "escalation.opened": _escalation,
}


def render_sms(template: str, context: dict[str, Any], *, base_url: str, timezone: str) -> str:
    return TEMPLATES[template](MessageContext(context, base_url=base_url, timezone=timezone))
