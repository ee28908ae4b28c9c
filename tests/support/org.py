"""The org model copied straight from a sandbox portal's state: a test-side org sync."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from b24app.org.models import OrgDepartment, OrgMembership, OrgUser
from b24app.org.positions import position_key
from b24app.org.structure import recompute_structure


def copy_org(session: Session, portal_id: int, portal: Any) -> None:
    """Write the sandbox portal's departments, users and memberships into the org model, as ``org.sync`` would."""
    for dept in portal.departments.values():
        session.add(OrgDepartment(portal_id=portal_id, b24_id=dept.id, name=dept.name,
                                  parent_b24_id=dept.parent, head_user_id=dept.head))
    for person in portal.users.values():
        session.add(OrgUser(portal_id=portal_id, b24_id=person.id, name=person.name,
                            last_name=person.last_name, work_position=person.work_position,
                            position_key=position_key(person.work_position),
                            departments=list(person.departments), active=person.active,
                            time_zone=person.time_zone))
        for dept_id in person.departments:
            session.add(OrgMembership(portal_id=portal_id, department_b24_id=dept_id,
                                      user_b24_id=person.id))
    session.flush()
    recompute_structure(session, portal_id)
    session.flush()
