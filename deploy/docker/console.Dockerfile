# syntax=docker/dockerfile:1
# Image of the Salesloop console (web pages over the five services' APIs).
# Build it from the repository root:
#   docker build -f deploy/docker/console.Dockerfile -t salesloop/console:dev .
# It has no database and no bus: it reads LEADS_URL … KPI_URL and serves port 8000.
#
# Three stages: node bundles the charts (ECharts, esbuild, from the pinned lock
# file), python installs the package with that bundle inside, and the runtime
# image carries the virtualenv only — no node, no node_modules.

FROM node:20-slim AS assets
WORKDIR /src/services/console
COPY services/console/package.json services/console/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY services/console/console/frontend/ ./console/frontend/
RUN npm run --silent build


FROM python:3.11-slim AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY shared/ ./shared/
RUN pip install ./shared
COPY services/console/ ./services/console/
COPY --from=assets /src/services/console/console/static/charts.js ./services/console/console/static/charts.js
RUN pip install ./services/console


FROM python:3.11-slim AS runtime
LABEL org.opencontainers.image.title="salesloop-console" \
      org.opencontainers.image.description="Salesloop console: pipeline, KPIs and operations pages over the services' APIs"
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
    OTEL_SERVICE_NAME=console
WORKDIR /var/lib/salesloop
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
ENTRYPOINT ["salesloop-console"]
CMD ["api"]
