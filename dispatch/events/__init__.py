"""The append-only event log: the audit trail and the single source of every live stream.

Live streams (websockets; the protocol clients rely on):

    WS /api/streams/call-center?token=<bearer>[&city=<adcode>...][&last_event_id=N]   agents, admins
    WS /api/streams/technician?token=<bearer>[&last_event_id=N]                       technicians
    WS /api/track/{tracking_token}/ws[?last_event_id=N]                               owners

Messages are JSON envelopes ``{"type", "version", "event_id", "time", "payload"}`` (`envelope`). Staff
streams send one message per event (``type`` = the event kind, e.g. ``job.status``, ``job.eta``,
``plan.published``); the owner stream sends ``tracking.snapshot`` then ``tracking.update`` with the whole
owner view. ``stream.ready`` (after any replay) and ``stream.heartbeat`` (idle, every 20 s) have
``event_id`` null. Reconnect with the last ``event_id`` received to get what was missed, exactly once.

Close codes: 1008 bad/expired token or link (before any data); 4008 fell behind or the bus reconnected,
resume with ``last_event_id``; 1001 (app shutdown) or 1012 (uvicorn restart), reconnect and resume;
1011 internal error.
"""
