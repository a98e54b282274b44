"""The HTTP edge shared by every router: dependencies, error mapping, offline docs."""
