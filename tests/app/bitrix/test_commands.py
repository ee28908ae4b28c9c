"""The batch builder writes exact PHP-bracket command strings, in order."""
from __future__ import annotations

from datetime import date

import pytest

from b24app.bitrix.commands import Command, Ref, command_text, encode_query, json_params


def test_positional_checklist_command_keeps_task_id_first() -> None:
    text = command_text("task.checklistitem.add", [13, {"TITLE": "Open the till", "IS_COMPLETE": "N"}])
    assert text == "task.checklistitem.add?0=13&1[TITLE]=Open%20the%20till&1[IS_COMPLETE]=N"


def test_nested_maps_and_lists_use_brackets_in_insertion_order() -> None:
    query = encode_query({"filter": {">ID": 5, "UF_DEPARTMENT": [3, 4]}, "select": ["ID", "NAME"],
                          "order": {"ID": "ASC"}})
    assert query == ("filter[%3EID]=5&filter[UF_DEPARTMENT][0]=3&filter[UF_DEPARTMENT][1]=4"
                     "&select[0]=ID&select[1]=NAME&order[ID]=ASC")


def test_true_false_none_are_encoded_like_php_not_as_python_words() -> None:
    query = encode_query({"a": True, "b": False, "c": None, "d": [], "e": {}, "f": 1.5, "g": date(2026, 1, 2)})
    assert query == "a=1&b=0&c=&d=&e=&f=1.5&g=2026-01-02"
    assert "True" not in query and "None" not in query


def test_special_characters_are_percent_encoded() -> None:
    assert encode_query({"fields": {"TITLE": "John&Martin=1?#"}}) == "fields[TITLE]=John%26Martin%3D1%3F%23"


def test_ref_renders_as_batch_reference_unencoded() -> None:
    text = command_text("task.checklistitem.add", [Ref("task", "task", "id"), {"TITLE": "x"}])
    assert text == "task.checklistitem.add?0=$result[task][task][id]&1[TITLE]=x"


def test_method_without_params_has_no_question_mark() -> None:
    assert command_text("user.current", None) == "user.current"


def test_unsafe_keys_and_refs_are_rejected() -> None:
    with pytest.raises(ValueError):
        Ref("a]b")
    with pytest.raises(ValueError):
        Ref("ok", "x&y")


def test_json_params_turns_positional_list_into_ordered_numeric_keys() -> None:
    body = json_params([13, {"TITLE": "x"}])
    assert list(body.items()) == [("0", 13), ("1", {"TITLE": "x"})]
    with pytest.raises(ValueError):
        json_params({"x": Ref("a")})


def test_command_is_a_plain_tuple() -> None:
    command = Command("k", "user.get", {"ID": 1})
    assert command.key == "k" and command.params == {"ID": 1}
