"""Routine 1, store opening checklists: templates, schedules, generation, auto-close,
escalation, dashboard and Excel. Jobs live in jobs/store_opening.py, pages in
handlers/store_opening/, the CLI in handlers/cli/store_opening.py.

Importing ``b24app.store_opening.ticks`` registers the routine's work kinds and event handlers.
"""
