"""Files on a campaign: what the compose form accepts, and when copies wait for the upload."""
from __future__ import annotations

import base64
from datetime import timedelta

from b24app.clock import FixedClock
from b24app.position_fanout.files import (MAX_FILES, MAX_TOTAL_BYTES, UploadedFile, build_upload,
                                          check_files, clean_name, waiting_for_upload)
from b24app.position_fanout.models import DRAFT, SENT, FanoutCampaign
from b24app.position_fanout.tracking import REFRESH_ON_OPEN_SECONDS, needs_refresh


def test_files_are_kept_as_base64_with_clean_unique_names() -> None:
    stored, error = check_files((UploadedFile("C:\\Users\\a\\план.pdf", b"%PDF"),
                                 UploadedFile("план.pdf", b"second"),
                                 UploadedFile("", b"ignored"), UploadedFile("empty.txt", b"")))
    assert error is None
    assert [f["name"] for f in stored] == ["план.pdf", "план (2).pdf"]
    assert base64.b64decode(stored[1]["content"]) == b"second" and stored[1]["size"] == 6


def test_too_many_or_too_large_files_are_refused() -> None:
    many = tuple(UploadedFile(f"{i}.txt", b"x") for i in range(MAX_FILES + 1))
    assert check_files(many)[1] == "position_fanout.err_files_many"
    large = (UploadedFile("a.bin", b"x" * (MAX_TOTAL_BYTES // 2 + 1)),
             UploadedFile("b.bin", b"x" * (MAX_TOTAL_BYTES // 2 + 1)))
    assert check_files(large)[1] == "position_fanout.err_file_large"


def test_a_name_loses_folders_and_control_characters() -> None:
    assert clean_name("../../etc/pass\x00wd") == "passwd"
    assert clean_name("   ") == "file"
    assert clean_name("a" * 300 + ".docx").endswith(".docx")


def test_copies_wait_until_every_file_has_a_drive_id_or_an_error() -> None:
    campaign = FanoutCampaign(files=[{"name": "a.txt", "content": "eA=="}])
    assert waiting_for_upload(campaign)
    campaign.files = [{"name": "a.txt", "disk_id": 7}, {"name": "b.txt", "error": "denied"}]
    assert not waiting_for_upload(campaign)


def test_upload_commands_use_the_app_storage_and_a_folder_per_campaign() -> None:
    class Item:
        payload = {"folder": "storeops-fanout-3", "files": [{"name": "a.txt", "content": "eA=="}]}

    commands = build_upload(Item())  # type: ignore[arg-type]
    assert [c.method for c in commands] == ["disk.storage.getforapp", "disk.folder.addsubfolder",
                                            "disk.folder.uploadfile"]
    upload = commands[2].params
    assert isinstance(upload, dict) and upload["fileContent"] == ["a.txt", "eA=="]


def test_the_campaign_page_reads_state_on_open_at_most_once_a_minute(clock: FixedClock) -> None:
    campaign = FanoutCampaign(status=DRAFT, tracked_at=None)
    assert not needs_refresh(campaign, clock.now())
    campaign.status = SENT
    assert needs_refresh(campaign, clock.now())
    campaign.tracked_at = clock.now()
    assert not needs_refresh(campaign, clock.now() + timedelta(seconds=REFRESH_ON_OPEN_SECONDS - 1))
    assert needs_refresh(campaign, clock.now() + timedelta(seconds=REFRESH_ON_OPEN_SECONDS))
