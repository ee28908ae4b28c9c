"""The events endpoint's body decoder agrees with the standard library's form decoding."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest

from b24app.bitrix.events import parse_urlencoded


@pytest.mark.parametrize("body", [
    urlencode({"event": "ONTASKUPDATE", "data[FIELDS_AFTER][ID]": "31", "auth[domain]": "a.bitrix24.ru"}),
    urlencode({"data[TITLE]": "Открытие магазина #5 & co", "data[NOTE]": "a+b=c 100%"}),
    "a=1&a=2&empty=&bare&&=x&plus+key=plus+value&pct%5Bk%5D=%2B%26%3D",
    "",
])
def test_pairs_match_parse_qsl(body: str) -> None:
    assert parse_urlencoded(body.encode()) == parse_qsl(body, keep_blank_values=True)


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert parse_urlencoded(b"data%5BX%5D=%FF&y=\xff") == [("data[X]", "\ufffd"), ("y", "\ufffd")]
