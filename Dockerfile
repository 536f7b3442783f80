# wire in a container: a slim image, run as an unprivileged user, checked by its
# own readiness probe. Build: docker build -t wire .   (docs/deployment.md)
#
# The wheel is built in a throwaway stage, so the image holds the installed
# package and its runtime dependencies only (no compiler, no tests, no sources).

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY wire ./wire
COPY schemas ./schemas
RUN pip install --no-cache-dir build \
 && python -m build --wheel --outdir /dist .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    WIRE_CONFIG=/etc/wire/wire.toml \
    WIRE_SERVER__HOST=0.0.0.0 \
    WIRE_SERVER__DATA_DIR=/var/lib/wire
COPY --from=build /dist/*.whl /tmp/
RUN pip install --no-cache-dir /tmp/*.whl \
 && rm /tmp/*.whl \
 && useradd --system --uid 10001 --home-dir /var/lib/wire --shell /usr/sbin/nologin wire \
 && mkdir -p /etc/wire /var/lib/wire \
 && chown wire:wire /var/lib/wire
COPY config.example.toml /etc/wire/wire.toml
# Everything wire writes lives in the volume: the store (WIRE_SERVER__DATA_DIR) and
# the drop folders, which the example config puts beside itself.
RUN sed -i 's|^location = "data/|location = "/var/lib/wire/|' /etc/wire/wire.toml
USER wire
VOLUME ["/var/lib/wire"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8080/readyz', timeout=4)"]
# SIGTERM drains requests and closes the store; SIGHUP reloads partners, keys and feeds.
STOPSIGNAL SIGTERM
CMD ["wire", "serve", "--config", "/etc/wire/wire.toml"]
