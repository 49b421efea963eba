"""Staff roles (issue 11): each is a group created by migration 0007_staff_roles.

`manage.py createstaff --role <key>` puts the new staff member in the role's group; an
administration member is also a superuser (everything, the staff access log included).
"""

SUPPORT = "support"
BILLING = "billing"
ADMINISTRATION = "administration"

# Role key (command line) -> group name (back office).
ROLE_GROUPS = {
    SUPPORT: "Support",
    BILLING: "Facturation",
    ADMINISTRATION: "Administration",
}

SUPERUSER_ROLES = frozenset({ADMINISTRATION})
