"""Email: queued from the flows (`outgoing`), rendered per tenant and locale (`render`), delivered by
the tenant's provider (`providers`) in the USER_EVENTS consumer (queues/mail_delivery.py)."""
