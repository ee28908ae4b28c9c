"""Export a campaign's state to an Excel workbook: a summary sheet and one row per copy."""
from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from sqlalchemy.orm import Session

from ..i18n import translate
from .models import FanoutCampaign
from .tracking import copy_label, summary


def campaign_workbook(session: Session, campaign: FanoutCampaign, lang: str) -> bytes:
    """Return the .xlsx bytes of the campaign's copies, by store and person."""
    def t(key: str, **values: object) -> str:
        return translate(lang, f"position_fanout.{key}", **values)

    shown = summary(session, campaign)
    book = Workbook(write_only=True)
    head = book.create_sheet(t("xl_summary"))
    head.append([t("title"), campaign.title])
    head.append([t("due"), campaign.due_at.isoformat() if campaign.due_at else ""])
    head.append([t("percent_done"), shown.percent_done])
    for state, count in sorted(shown.counts.items()):
        head.append([t(f"state_{state}"), count])
    rows = book.create_sheet(t("xl_copies"))
    rows.append([t("store"), t("person"), t("position"), t("state"), t("task_id"),
                 t("sent_at"), t("closed_at"), t("reason")])
    for line in shown.stores:
        for copy in line.copies:
            rows.append([line.store_name, copy.user_name, copy.work_position,
                         t(f"state_{copy_label(copy)}"), copy.task_id or "",
                         copy.sent_at.isoformat() if copy.sent_at else "",
                         copy.closed_at.isoformat() if copy.closed_at else "",
                         t(f"reason_{copy.reason}") if copy.reason else ""])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
