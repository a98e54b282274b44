"""After-sales KPIs for a period, by city and station, recomputed from the event log and follow-ups."""
