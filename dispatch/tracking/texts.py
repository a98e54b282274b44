"""Status words an owner reads: Simplified Chinese first, then English."""

from __future__ import annotations

STATUS_TEXTS = {
    # rescue jobs
    "created": "已受理，正在安排救援车 / Received, finding a van",
    "uncovered": "正在为您协调救援 / Arranging help for you",
    "offered": "正在安排救援车 / Assigning a van",
    "accepted": "救援车已接单 / A van has taken your job",
    "en_route": "救援车正在赶来 / The van is on its way",
    "on_site": "技师已到达 / The technician has arrived",
    "in_service": "正在维修 / Being repaired",
    "completed": "服务已完成 / Completed",
    "towed": "车辆已拖至服务站 / Towed to a service station",
    "cancelled": "已取消 / Cancelled",
    "failed": "未能完成，客服将联系您 / Could not be completed; we will call you",
    # campaign bookings
    "booked": "已预约 / Booked",
    "served": "服务已完成 / Served",
    "no_show": "未能见面 / Missed",
    # a countryside visit under way (the booking is still "booked" until the crew finishes)
    "visit_in_progress": "技师正在为您服务 / The technician is with you",
}


def status_text(status: str) -> str:
    return STATUS_TEXTS.get(status, status)
