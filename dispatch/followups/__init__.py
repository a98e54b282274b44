"""After completion: follow-up calls, satisfaction scores (agents and owners) and escalations."""
