"""Service stations, vans (rescue vans and mobile service stations) and technicians."""
