"""Sending SMS one-time codes: the gateway port, a development outbox, an HTTP gateway adapter
and the send rate limits that stop SMS pumping (issue 3, item 3)."""
