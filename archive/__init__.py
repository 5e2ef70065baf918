"""Difang. The Celery app is loaded with Django so that tasks enqueue through it."""

from .celery import app as celery_app

__all__ = ("celery_app",)
