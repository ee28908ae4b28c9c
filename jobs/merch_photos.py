"""Merchandising jobs: the weekly build at each pool's local send time, thumbnails, reminders."""
from __future__ import annotations

from b24app.merch_photos import verdicts  # noqa: F401 - registers its work kind for retries
from b24app.merch_photos.reminders import reminder_tick
from b24app.merch_photos.thumbnail_job import thumbnails_tick
from b24app.merch_photos.ticks import weekly_tick

from .registry import Interval, JobSpec

JOBS = [
    JobSpec("merch_photos_weekly", weekly_tick, Interval(60),
            "create the tree and the week's store tasks at each pool's local send time"),
    JobSpec("merch_photos_thumbnails", thumbnails_tick, Interval(60),
            "find new photos of open weeks and cache their thumbnails (bounded per run)"),
    JobSpec("merch_photos_remind", reminder_tick, Interval(300),
            "remind stores with no photos at the deadline, once"),
]
