"""GPS pings and owners' tracking links."""
