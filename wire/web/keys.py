"""Typed application state: the objects every handler reaches through ``app[KEY]``."""

from __future__ import annotations

from aiohttp import ClientSession, web

from wire.access import Authenticator
from wire.deliver.webhooks import Webhooks
from wire.deliver.websub import Hub
from wire.duties import EmbargoWatch
from wire.logs import AccessLog
from wire.poll.sources import SourceRunner
from wire.publish.publisher import Publisher
from wire.reachlog import ReachLog
from wire.schedule import Jobs
from wire.service import Wire
from wire.web.ratelimit import RateLimiter

WIRE = web.AppKey("wire", Wire)
PUBLISHER = web.AppKey("publisher", Publisher)
AUTH = web.AppKey("auth", Authenticator)
RATE_LIMITER = web.AppKey("rate_limiter", RateLimiter)
HTTP = web.AppKey("http", ClientSession)
JOBS = web.AppKey("jobs", Jobs)
HUB = web.AppKey("hub", Hub)
HOOKS = web.AppKey("hooks", Webhooks)
SOURCES = web.AppKey("sources", SourceRunner)
EMBARGO = web.AppKey("embargo", EmbargoWatch)
ACCESS_LOG = web.AppKey("access_log", AccessLog)
REACH = web.AppKey("reach", ReachLog)
