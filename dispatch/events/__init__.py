"""The append-only event log: the audit trail and the single source of every live stream."""
