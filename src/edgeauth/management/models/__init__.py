"""Pydantic models of the Management API bodies: what is validated in and documented out."""
