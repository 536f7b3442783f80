"""Polling: upstream sources fetched on a schedule and drop folders watched.

Above the desk (``wire.service``), which it hands every input to; the parsers
in ``wire.ingest`` never know how their bytes arrived. ``fetch`` holds the pure
decisions of one poll (what to request, what an answer means), ``sources`` runs
HTTP sources on the scheduler, ``dropdir`` watches folders.
"""
