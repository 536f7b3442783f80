"""Push side: WebSub hub and signed webhooks."""
