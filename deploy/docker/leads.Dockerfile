# syntax=docker/dockerfile:1
# Image of the Salesloop leads service. Build it from the repository root:
#   docker build -f deploy/docker/leads.Dockerfile -t salesloop/leads:dev .
# Run a role with the subcommand: api (default), worker, relay, migrate, dlq ...
#
# One Dockerfile per service, not one parameterised file: a department owns and
# changes its own file (a system package, a different base tag) without touching
# the others' builds, and ENTRYPOINT/CMD cannot take a build ARG, so a shared
# file would need a target per service anyway. tests/deploy checks that all five
# keep the same shape.

FROM python:3.11-slim AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# The shared library first: its layer is reused by every service build and by
# rebuilds that touch only this service's code. Non-editable installs, so the
# runtime image needs the virtualenv and nothing from /src.
COPY shared/ ./shared/
RUN pip install ./shared
COPY services/leads/ ./services/leads/
RUN pip install ./services/leads


FROM python:3.11-slim AS runtime
LABEL org.opencontainers.image.title="salesloop-leads" \
      org.opencontainers.image.description="Salesloop leads service: api, worker, relay, migrate, dlq"
# A fixed numeric uid lets Kubernetes' runAsNonRoot verify the user without
# reading /etc/passwd. The data dir is the only writable place the app needs
# (the embedded SQLite/filesystem-bus defaults; unused when DATABASE_URL and
# BUS_URL point at real servers).
RUN groupadd --system --gid 10001 salesloop \
 && useradd --system --uid 10001 --gid salesloop --no-create-home \
      --home-dir /var/lib/salesloop --shell /usr/sbin/nologin salesloop \
 && install -d -o salesloop -g salesloop -m 0750 /var/lib/salesloop
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=8000 \
    SALESLOOP_DATA_DIR=/var/lib/salesloop \
    OTEL_SERVICE_NAME=leads
WORKDIR /var/lib/salesloop
USER 10001:10001
EXPOSE 8000
# slim images have no curl: the interpreter that is already there does the probe.
# Only the api serves HTTP; compose gives worker/relay a healthcheck of their own.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
ENTRYPOINT ["salesloop-leads"]
CMD ["api"]
