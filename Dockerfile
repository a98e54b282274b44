# Production image for the dispatch API. Configuration comes from DISPATCH_* environment variables.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY dispatch ./dispatch
COPY routing ./routing
COPY field_app_api ./field_app_api
COPY seed ./seed
COPY migrations ./migrations
RUN pip install ".[postgres,redis]" && useradd --create-home --uid 10001 dispatch \
    && mkdir -p /var/lib/dispatch/uploads && chown -R dispatch /var/lib/dispatch

USER dispatch
EXPOSE 8000
CMD ["sh", "-c", "dispatch db upgrade && exec dispatch serve --host 0.0.0.0 --port 8000 --workers ${DISPATCH_WORKERS:-2}"]
