"""The key that allows one open booking per owner (and vehicle) per service day."""

from __future__ import annotations


def open_owner_key(service_date: str, owner_id: int | None, vehicle_id: int | None, phone: str) -> str:
    """``2026-11-24|o:12|v:40``; an owner the CRM doesn't know is told apart by the digits of the phone."""
    who = f"o:{owner_id}" if owner_id is not None else "p:" + "".join(ch for ch in phone if ch.isdigit())
    what = f"v:{vehicle_id}" if vehicle_id is not None else "v:-"
    return f"{service_date}|{who}|{what}"
