"""Routine 2, HR staff cards: managers propose, HR approves, the portal's users follow.

- ``models``: cards, audit log, actualization schedule and tasks, form nonces;
- ``validation``: field-by-field checks (e-mail, E.164 phone, dates, store scope);
- ``cards``: the manager's side; ``approval``: the HR side; ``kinds``: the work items;
- ``loop``: after a change reached the portal (store refresh, task handover);
- ``actualization``: monthly "confirm your staff list" tasks; ``excel`` / ``audit``: exports.
"""
from __future__ import annotations
