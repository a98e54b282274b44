"""Countryside service campaigns: coverage gaps, bookings, daily van routes."""
