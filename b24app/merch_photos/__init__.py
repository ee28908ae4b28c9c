"""Merchandising photo reports: City → Year → Month → Week tree, weekly photo tasks, review.

- ``calendar``: ISO weeks, their titles and the month/year a week belongs to (pure);
- ``models``: pools, settings, tree nodes, weekly store tasks, the photo cache;
- ``pools``: settings and pools as the admin page edits them; which stores a pool covers;
- ``tree`` / ``weekly``: what a week needs (planning) and the work kinds that create it;
- ``build``: claim → call → record for a week's items in full batches;
- ``project``: the Bitrix24 project (workgroup) and the Drive folder for uploads;
- ``upload``: a manager's several photos into a new subtask of their week task;
- ``review`` / ``thumbnails``: the merchandiser's board, its cached thumbnails, the verdicts;
- ``reminders``: one reminder for stores with no photos at the deadline.
"""
from __future__ import annotations
