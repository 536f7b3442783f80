"""Outgoing HTTP to URLs wire did not choose: which targets may be called, and a
client session that keeps to them. Used by pushes (webhooks, WebSub) and by
polling alike. Contains no business logic."""
