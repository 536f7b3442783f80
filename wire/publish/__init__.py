"""Output side: select stories per feed and audience, render, cache the bytes."""
