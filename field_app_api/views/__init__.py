"""Routers of the tablet API, combined under ``/api/field`` by `field_app_api.router`."""
