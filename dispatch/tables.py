"""Import every table module so `SQLModel.metadata` is complete (for Alembic and schema checks)."""

from dispatch.auth import models as auth_models
from dispatch.auth import throttle as auth_throttle
from dispatch.auth import tickets as auth_tickets
from dispatch.campaigns import models as campaign_models
from dispatch.events import models as event_models
from dispatch.fleet import models as fleet_models
from dispatch.followups import models as followup_models
from dispatch.jobs import models as job_models
from dispatch.notifications import models as notification_models
from dispatch.owners import models as owner_models
from dispatch.tracking import models as tracking_models

__all__ = [
    "auth_models",
    "auth_throttle",
    "auth_tickets",
    "campaign_models",
    "event_models",
    "fleet_models",
    "followup_models",
    "job_models",
    "notification_models",
    "owner_models",
    "tracking_models",
]
