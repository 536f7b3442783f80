"""wire's Prometheus metrics, each defined once: every layer counts here, ``/metrics`` shows them.

This module sits low (beside ``wire.logs``) and imports nothing of wire's, so the
store's neighbours, the publisher, polling, delivery and the web layer all count
without importing one another. The names are the contract with dashboards
(``docs/grafana-dashboard.json``) and alerts; ``docs/operations.md`` lists them.

Two kinds of instrument:

- prometheus_client's ``Counter``, ``Gauge`` and ``Histogram`` for what happens a
  few times a second at most: ingests, polls, pushes, renders, leadership.
- ``Requests`` and ``Tally`` for what happens on every request. They are
  written here by hand because the feed shortcut answers a poll in about 3 µs
  of Python, and prometheus_client's instruments take a lock and (with labels)
  look the child up on every call: about 1 µs for ``labels(...).inc()`` and
  0.6 µs for a histogram observation, measured on this machine. A ``Tally`` is
  a dict of plain ints (about 0.07 µs an increment); ``Requests`` keeps bucket
  counts per label set, one observation counting a request and its duration
  (about 0.2 µs with both clock reads). Both are folded into ordinary metric
  families when ``/metrics`` is scraped.
  They are updated only from the event loop's thread, as every request is.

Gauges that need the store (delivery queue depth and age, dead letters, WebSub
subscriptions) are not kept here as state: ``wire.web.observe`` reads the store
when it is scraped and sets them.

Each process has its own values: with ``wire serve --workers N``, a scrape
reaches whichever worker accepts the connection (docs/operations.md).
"""

from __future__ import annotations

import bisect
import platform
from collections.abc import Iterable, Sequence

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

__all__ = [
    "BUILD_INFO",
    "DEAD_LETTERS",
    "DELIVERIES",
    "HTTP",
    "INGEST_FAILURES",
    "LATENCY_BUCKETS",
    "LEADER",
    "POLLS",
    "QUEUE_DEPTH",
    "QUEUE_OLDEST",
    "REGISTRY",
    "RENDER_LOOKUPS",
    "RENDER_SECONDS",
    "STORE_UP",
    "STORIES_INGESTED",
    "SUBSCRIPTIONS",
    "Requests",
    "Tally",
    "metric_names",
]

# ``*_created`` series (each label set's creation time) would double every counter
# for a figure no wire dashboard reads.
disable_created_metrics()  # type: ignore[no-untyped-call]

REGISTRY = CollectorRegistry()
"""wire's own registry: its metrics and the process's (CPU, memory, file
descriptors, garbage collection, Python version), nothing a library registers."""
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

Labels = tuple[str, ...]

LATENCY_BUCKETS = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
"""Seconds: from the shortcut's tens of microseconds to a slow API call."""


class Tally:
    """A counter with labels for hot paths: plain ints by label values, read at scrape."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        *,
        registry: CollectorRegistry | None = REGISTRY,
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self.counts: dict[Labels, int] = {}
        if registry is not None:
            registry.register(self)

    def add(self, labels: Labels, amount: int = 1) -> None:
        """Count ``amount`` more for these label values (in ``labelnames`` order)."""
        counts = self.counts
        counts[labels] = counts.get(labels, 0) + amount

    def value(self, labels: Labels) -> int:
        return self.counts.get(labels, 0)

    def describe(self) -> Iterable[Metric]:
        yield CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)

    def collect(self) -> Iterable[Metric]:
        family = CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for labels, count in sorted(self.counts.items()):
            family.add_metric(labels, count)
        yield family


class Requests:
    """HTTP requests for hot paths: per (family, status, path), bucket counts of the
    time each took and their sum, exported as two metrics: a counter by family,
    status and path, and a duration histogram by family and path. One
    observation counts a request in both.

    ``series`` hands out a label set's list so the feed shortcut can keep it and
    observe with two list additions; ``observe`` finds the bucket by bisection
    over the upper bounds (a value equal to a bound falls in that bound's
    bucket, as Prometheus's ``le`` says); the cumulative counts Prometheus
    expects are made at scrape."""

    def __init__(
        self,
        counter: str,
        histogram: str,
        documentation: tuple[str, str],
        *,
        buckets: Sequence[float] = LATENCY_BUCKETS,
        registry: CollectorRegistry | None = REGISTRY,
    ) -> None:
        self.counter, self.histogram = counter, histogram
        self.documentation = documentation
        self.bounds = tuple(sorted(buckets))
        # Per (family, status, path): one count per bucket, +Inf last, then the sum.
        self._series: dict[Labels, list[float]] = {}
        if registry is not None:
            registry.register(self)

    def series(self, family: str, status: str, path: str) -> list[float]:
        """The counts and sum of one label set (made at first use)."""
        labels = (family, status, path)
        found = self._series.get(labels)
        if found is None:
            found = self._series[labels] = [0.0] * (len(self.bounds) + 2)
        return found

    def observe(self, family: str, status: str, path: str, seconds: float) -> None:
        series = self.series(family, status, path)
        series[bisect.bisect_left(self.bounds, seconds)] += 1
        series[-1] += seconds

    def count(self, family: str, status: str, path: str) -> int:
        """Requests counted for this label set."""
        series = self._series.get((family, status, path))
        return 0 if series is None else int(sum(series[:-1]))

    def _families(self) -> tuple[CounterMetricFamily, HistogramMetricFamily]:
        counter_doc, histogram_doc = self.documentation
        return (
            CounterMetricFamily(self.counter, counter_doc, labels=["family", "status", "path"]),
            HistogramMetricFamily(self.histogram, histogram_doc, labels=["family", "path"]),
        )

    def describe(self) -> Iterable[Metric]:
        yield from self._families()

    def collect(self) -> Iterable[Metric]:
        counter, histogram = self._families()
        durations: dict[Labels, list[float]] = {}
        for (family, status, path), series in sorted(self._series.items()):
            counter.add_metric([family, status, path], sum(series[:-1]))
            total = durations.setdefault((family, path), [0.0] * len(series))
            for i, value in enumerate(series):
                total[i] += value
        bounds = [*(repr(float(b)) for b in self.bounds), "+Inf"]
        for labels, series in durations.items():
            cumulative, buckets = 0.0, []
            for bound, count in zip(bounds, series[:-1], strict=True):
                cumulative += count
                buckets.append((bound, cumulative))
            histogram.add_metric(list(labels), buckets, series[-1])
        yield counter
        yield histogram


# HTTP: both serving paths ---------------------------------------------------------------

HTTP = Requests(
    "wire_http_requests",
    "wire_http_request_duration_seconds",
    (
        "HTTP requests answered, by route family, status and the path that answered "
        "(fast: the feed shortcut; aiohttp: everything else).",
        "Time from a request's head to its answer being ready, by route family and path.",
    ),
)

# Feeds rendered and cached ----------------------------------------------------------------

RENDER_LOOKUPS = Tally(
    "wire_render_cache_lookups",
    "Feed renderings looked up to serve a request: hit (cached bytes) or miss (assembled).",
    ["format", "result"],
)
RENDER_SECONDS = Histogram(
    "wire_render_seconds",
    "Time to assemble one feed view's bytes, by format.",
    ["format"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)

# In: ingest and polling -----------------------------------------------------------------

STORIES_INGESTED = Counter(
    "wire_stories_ingested",
    "Stories stored from inputs (a new story or a new version), by source and format read.",
    ["source", "format"],
    registry=REGISTRY,
)
INGEST_FAILURES = Counter(
    "wire_ingest_failures",
    "Inputs that could not become stories (kept in the raw archive), by source and format asked.",
    ["source", "format"],
    registry=REGISTRY,
)
POLLS = Counter(
    "wire_polls",
    "Polls of sources by outcome: 200 (new copy), 304 (nothing new), error, backoff "
    "(the upstream asked wire to wait: 429, or 503 with Retry-After).",
    ["source", "outcome"],
    registry=REGISTRY,
)

# Out: pushes ---------------------------------------------------------------------------

DELIVERIES = Counter(
    "wire_deliveries",
    "Push attempts by kind (webhook, websub) and outcome (delivered, retry, dead).",
    ["kind", "outcome"],
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge(
    "wire_delivery_queue_depth",
    "Pending pushes waiting for an attempt, by kind (read from the store at scrape).",
    ["kind"],
    registry=REGISTRY,
)
QUEUE_OLDEST = Gauge(
    "wire_delivery_queue_oldest_seconds",
    "Age of the oldest pending push, by kind; 0 when none is pending (read at scrape).",
    ["kind"],
    registry=REGISTRY,
)
DEAD_LETTERS = Gauge(
    "wire_dead_letters",
    "Pushes given up on, waiting for a person to redeliver them, by kind (read at scrape).",
    ["kind"],
    registry=REGISTRY,
)
SUBSCRIPTIONS = Gauge(
    "wire_websub_subscriptions",
    "Unexpired WebSub subscriptions (read from the store at scrape).",
    registry=REGISTRY,
)

# The process ---------------------------------------------------------------------------

LEADER = Gauge(
    "wire_leader",
    "1 while this instance runs the scheduled jobs (polls, embargoes, retries), else 0.",
    registry=REGISTRY,
)
STORE_UP = Gauge(
    "wire_store_up",
    "1 when the store answered the last scrape's queries, 0 when it did not.",
    registry=REGISTRY,
)
BUILD_INFO = Gauge(
    "wire_build_info",
    "Always 1: the wire version and Python version in its labels.",
    ["version", "python"],
    registry=REGISTRY,
)


def build_info(version: str) -> None:
    """Set ``wire_build_info`` for this process (once, at start)."""
    BUILD_INFO.labels(version, platform.python_version()).set(1)


def metric_names() -> set[str]:
    """Every metric family name wire exports (as Prometheus queries name their
    series: counters with ``_total``, histograms with ``_bucket``/``_sum``/``_count``)."""
    names: set[str] = set()
    for family in REGISTRY.collect():
        for sample in family.samples:
            names.add(sample.name)
        if family.type == "counter":
            names.add(family.name + "_total")
        elif family.type == "histogram":
            names |= {family.name + s for s in ("_bucket", "_sum", "_count")}
        else:
            names.add(family.name)
    return names
