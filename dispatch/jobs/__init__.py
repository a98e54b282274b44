"""Rescue jobs: intake, matching, offers, lifecycle."""
