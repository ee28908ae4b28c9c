"""Routine 4: fan-out tasks by position — one task, a personal copy for every holder.

compose (validate, positions, store tree, pools) → preview (who, and the empty stores) →
send (copies through the work queue) → tracking (state from Bitrix24, remind, extend,
recall) → excel (export) → reuse (templates, schedules, late joiners).
"""
