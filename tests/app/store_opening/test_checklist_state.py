"""Reading a checklist: roots are not items, all ticked, photos, last tick time."""
from __future__ import annotations

from datetime import datetime, timezone

from b24app.store_opening.checklist_state import evaluate

ROOT = {"ID": "1", "PARENT_ID": 0, "TITLE": "BX_CHECKLIST_1", "IS_COMPLETE": "N"}


def item(item_id: int, done: bool, toggled: str | None = None, **extra: object) -> dict[str, object]:
    return {"ID": str(item_id), "PARENT_ID": "1", "TITLE": f"item {item_id}",
            "IS_COMPLETE": "Y" if done else "N", "TOGGLED_DATE": toggled, **extra}


def test_root_is_ignored_and_unticked_listed_in_order() -> None:
    verdict = evaluate([ROOT, item(3, False), item(2, True)])
    assert not verdict.all_ticked and verdict.unticked == ("item 3",)


def test_all_ticked_gives_last_tick_time() -> None:
    verdict = evaluate([ROOT, item(2, True, "2026-12-04T08:10:00+03:00"),
                        item(3, True, "2026-12-04T08:20:00+03:00")])
    assert verdict.all_ticked
    assert verdict.last_tick_at == datetime(2026, 12, 4, 5, 20, tzinfo=timezone.utc)
    assert verdict.may_complete(needs_photo=False)
    assert not verdict.may_complete(needs_photo=True)


def test_photo_from_task_files_or_item_attachment() -> None:
    ticked = [ROOT, item(2, True)]
    assert evaluate(ticked, ["123"]).may_complete(needs_photo=True)
    with_attachment = [ROOT, item(2, True, ATTACHMENTS={"9": {"NAME": "shelf.jpg"}})]
    assert evaluate(with_attachment).may_complete(needs_photo=True)


def test_empty_checklist_is_never_complete() -> None:
    assert not evaluate([ROOT]).all_ticked
    assert not evaluate([]).all_ticked
