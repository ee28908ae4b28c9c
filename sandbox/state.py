"""The portal's data: one Portal object holds everything, guarded by one lock.

Methods run under ``portal.lock`` (an RLock), so every REST call is atomic with respect to
the others; that is simpler than fine-grained locking and fast enough for a sandbox.
Entities are plain dataclasses with snake_case attributes; each method module translates
them to the documented wire format (UPPER_CASE for legacy methods, lowerCamel strings for
``tasks.task.*``).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class User:
    id: int
    email: str
    name: str
    last_name: str
    second_name: str = ""
    work_position: str = ""
    departments: list[int] = field(default_factory=list)
    active: bool = True
    is_admin: bool = False
    user_type: str = "employee"
    personal_mobile: str = ""
    personal_birthday: str = ""     # YYYY-MM-DD or ""
    time_zone: str = "Europe/Moscow"
    language: str = "ru"
    date_register: datetime | None = None
    # "invited" users exist after user.add; they become "registered" when they complete
    # registration (a sandbox control hook), which is when ONUSERADD fires.
    registered: bool = True
    extra: dict[str, Any] = field(default_factory=dict)   # UF_* and other fields


@dataclass
class Department:
    id: int
    name: str
    parent: int | None
    sort: int = 500
    head: int | None = None


@dataclass
class Task:
    id: int
    title: str
    description: str
    created_by: int
    responsible_id: int
    created_date: datetime
    changed_date: datetime
    status: int = 2
    priority: int = 1
    deadline: datetime | None = None
    start_date_plan: datetime | None = None
    end_date_plan: datetime | None = None
    closed_date: datetime | None = None
    date_start: datetime | None = None
    status_changed_by: int | None = None
    status_changed_date: datetime | None = None
    accomplices: list[int] = field(default_factory=list)
    auditors: list[int] = field(default_factory=list)
    parent_id: int | None = None
    group_id: int = 0
    tags: list[str] = field(default_factory=list)
    xml_id: str = ""
    allow_change_deadline: bool = True
    task_control: bool = False
    se_parameters: dict[int, bool] = field(default_factory=dict)
    attachments: list[int] = field(default_factory=list)    # attached-object IDs
    uf: dict[str, Any] = field(default_factory=dict)
    viewed_by: set[int] = field(default_factory=set)

    def members(self) -> set[int]:
        return {self.created_by, self.responsible_id, *self.accomplices, *self.auditors}


@dataclass
class ChecklistItem:
    id: int
    task_id: int
    parent_id: int          # 0 for a checklist root
    created_by: int
    title: str
    sort_index: int
    is_complete: bool = False
    is_important: bool = False
    toggled_by: int | None = None
    toggled_date: datetime | None = None
    members: dict[int, str] = field(default_factory=dict)   # user id -> "A" | "U"


@dataclass
class Comment:
    id: int
    task_id: int
    author_id: int
    post_date: datetime
    message: str
    attachments: list[int] = field(default_factory=list)    # attached-object IDs


@dataclass
class HistoryRow:
    id: int
    task_id: int
    created_date: datetime
    user_id: int
    field: str
    value_from: str | None
    value_to: str | None


@dataclass
class DiskObject:
    """A Drive file or folder. ``file_id`` is the internal b_file id, distinct from ``id``."""
    id: int
    storage_id: int
    parent_id: int | None
    name: str
    type: str                      # "file" | "folder"
    created_by: int
    create_time: datetime
    file_id: int | None = None
    content: bytes = b""
    content_type: str = "application/octet-stream"


@dataclass
class Storage:
    id: int
    name: str
    entity_type: str               # "user" | "common" | "group" | "restapp"
    entity_id: str
    root_object_id: int


@dataclass
class AttachedObject:
    id: int
    object_id: int                 # DiskObject id
    module_id: str                 # "tasks" | "forum"
    entity_type: str               # "task" | "comment"
    entity_id: int
    created_by: int


@dataclass
class Notification:
    id: int
    user_id: int
    message: str
    kind: str                      # "system" | "user"
    from_user_id: int | None
    tag: str
    sub_tag: str
    created: datetime
    client_id: str = ""


@dataclass
class Group:
    id: int
    name: str
    description: str
    owner_id: int
    project: bool
    members: set[int] = field(default_factory=set)
    date_create: datetime | None = None


@dataclass
class App:
    """A local application registered on the portal."""
    client_id: str
    client_secret: str
    code: str
    install_url: str
    handler_base: str
    scopes: list[str]
    application_token: str
    version: int = 1
    installed: bool = False
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class OAuthToken:
    access_token: str
    client_id: str
    user_id: int
    expires_at: float              # sandbox-clock unix time
    scopes: list[str]


@dataclass
class RefreshToken:
    refresh_token: str
    client_id: str
    user_id: int
    expires_at: float
    used: bool = False


@dataclass
class Webhook:
    code: str
    user_id: int
    scopes: list[str]              # empty list: every scope


@dataclass
class EventBinding:
    id: int
    client_id: str
    event: str                     # UPPERCASE, e.g. ONTASKUPDATE
    handler: str                   # "" for offline bindings
    auth_type: int                 # 0: the user who caused the event
    offline: bool
    user_id: int                   # who bound it
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class OfflineEvent:
    id: int
    client_id: str
    event_name: str
    event_data: dict[str, Any]
    event_additional: dict[str, Any]
    timestamp: datetime
    message_id: str
    object_key: str                # dedupe: the latest change per object wins
    process_id: str = ""
    error: bool = False


@dataclass
class PlacementBinding:
    id: int
    client_id: str
    placement: str
    handler: str
    title: str
    description: str
    group_name: str
    user_id: int
    options: dict[str, Any] = field(default_factory=dict)
    lang_all: dict[str, Any] = field(default_factory=dict)


@dataclass
class Portal:
    """Everything the sandbox portal knows. Mutate only while holding ``lock``."""
    member_id: str
    domain: str
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    next_ids: dict[str, int] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    departments: dict[int, Department] = field(default_factory=dict)
    tasks: dict[int, Task] = field(default_factory=dict)
    checklist_items: dict[int, ChecklistItem] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    history: dict[int, HistoryRow] = field(default_factory=dict)
    storages: dict[int, Storage] = field(default_factory=dict)
    disk_objects: dict[int, DiskObject] = field(default_factory=dict)
    attached_objects: dict[int, AttachedObject] = field(default_factory=dict)
    notifications: dict[int, Notification] = field(default_factory=dict)
    groups: dict[int, Group] = field(default_factory=dict)
    apps: dict[str, App] = field(default_factory=dict)                 # by client_id
    access_tokens: dict[str, OAuthToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    webhooks: dict[str, Webhook] = field(default_factory=dict)         # by code
    event_bindings: dict[int, EventBinding] = field(default_factory=dict)
    offline_events: dict[int, OfflineEvent] = field(default_factory=dict)
    placements: dict[int, PlacementBinding] = field(default_factory=dict)

    def new_id(self, kind: str) -> int:
        """Return the next ID of a kind of entity (IDs are never reused)."""
        value = self.next_ids.get(kind, 0) + 1
        self.next_ids[kind] = value
        return value

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("lock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.lock = threading.RLock()
