"""``--state FILE``: keep the portal across restarts (a pickle of Portal, written atomically)."""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
import threading
from pathlib import Path

from .state import Portal

log = logging.getLogger(__name__)


def load_portal(path: Path) -> Portal | None:
    """Return the saved portal, or None when the file does not exist."""
    if not path.exists():
        return None
    with path.open("rb") as handle:
        portal = pickle.load(handle)
    if not isinstance(portal, Portal):
        raise ValueError(f"{path} does not hold a sandbox portal")
    return portal


def snapshot(portal: Portal) -> bytes:
    with portal.lock:
        return pickle.dumps(portal, protocol=pickle.HIGHEST_PROTOCOL)


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same directory, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class StateKeeper:
    """Saves the portal when it changed: every ``interval`` seconds and on ``close``."""

    def __init__(self, portal: Portal, path: Path, interval: float = 30.0) -> None:
        self.portal = portal
        self.path = path
        self.interval = interval
        self._last_digest = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sandbox-state", daemon=True)

    def start(self) -> None:
        self._last_digest = hashlib.sha256(snapshot(self.portal)).hexdigest()
        self._thread.start()

    def save_if_changed(self) -> bool:
        data = snapshot(self.portal)
        digest = hashlib.sha256(data).hexdigest()
        if digest == self._last_digest and self.path.exists():
            return False
        write_atomically(self.path, data)
        self._last_digest = digest
        return True

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.save_if_changed()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.save_if_changed()
            except OSError:
                log.exception("could not save the sandbox state to %s", self.path)
