"""The aiohttp application: feeds, story endpoints, editor API, health."""
