"""Celery application and the thin tasks that call warn.service."""
