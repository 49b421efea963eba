"""The staff roles: groups « Support », « Facturation », « Administration » (issue 11).

Support: customers, holders, subscriptions, invoices, contact and termination requests,
security events (view); answers contact requests and decides address changes; sees users to
send a first-access link. No debit file export, no mandate change, no staff, group or
second-factor device. Facturation: invoices, payments, debit files (export, rejects) and
mandates (view), with the customers they belong to; no users, groups or devices.
Administration: every permission (its members are superusers too: see createstaff).

The permissions are created here (Django creates them only after every migration ran).
"""

from django.db import migrations

SUPPORT = {
    "accounts": ["view_user", "view_securityevent"],
    "customers": ["view_customer", "view_holder", "view_addresschangerequest",
                  "change_addresschangerequest"],
    "catalog": ["view_product", "view_subscription", "view_terminationrequest"],
    "billing": ["view_invoice", "view_invoiceline"],
    "payments": ["view_payment", "view_allocation", "view_mandate"],
    "support": ["view_department", "view_requesttype", "view_partnerpoint",
                "view_contactrequest", "change_contactrequest", "view_contactanswer"],
}  # fmt: skip

BILLING = {
    "customers": ["view_customer", "view_holder"],
    "catalog": ["view_product", "view_subscription"],
    "billing": ["view_invoice", "view_invoiceline", "view_invoicecounter"],
    "payments": ["view_payment", "view_allocation", "view_paymentevent", "view_debitbatch",
                 "add_debitbatch", "view_debit", "change_debit", "view_mandate",
                 "view_mandateamendment"],
}  # fmt: skip


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in (("Support", SUPPORT), ("Facturation", BILLING)):
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codenames in wanted.items():
            perms = list(
                Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            )
            missing = set(codenames) - {p.codename for p in perms}
            assert not missing, f"{app_label}: no permission {sorted(missing)}"
            group.permissions.add(*perms)
    group, _ = Group.objects.get_or_create(name="Administration")
    group.permissions.add(*Permission.objects.all())


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Support", "Facturation", "Administration"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_privacy_data_export_kind"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0012_privacy_invoice_retention_text"),
        ("customers", "0003_customers_address_change_request"),
        ("catalog", "0002_termination_request"),
        ("billing", "0004_invoice_guard_retention_purge"),
        ("payments", "0002_card_event_outcome"),
        ("support", "0002_request_types"),
        ("privacy", "0001_initial"),
        ("otp_static", "0003_add_timestamps"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
