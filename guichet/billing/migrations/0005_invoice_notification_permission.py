"""The « Fiche client » of the back office (issue 11) resends an invoice's « facture
disponible » e-mail: a permission of its own, given to « Support », « Facturation » and
« Administration »."""

from django.db import migrations


def grant(app_label, codenames, groups):
    """Create the new permissions now (Django would only after every migration ran) and give
    them to the roles' groups that exist."""

    def forwards(apps, schema_editor):
        from django.contrib.auth.management import create_permissions

        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
        perms = list(
            Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
        assert len(perms) == len(codenames), f"{app_label}: {codenames} not all created"
        for group in Group.objects.filter(name__in=groups):
            group.permissions.add(*perms)

    def backwards(apps, schema_editor):
        apps.get_model("auth", "Permission").objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        ).delete()

    return migrations.RunPython(forwards, backwards)


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0004_invoice_guard_retention_purge'),
        # The roles' groups.
        ('accounts', '0007_staff_roles'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='invoice',
            options={'base_manager_name': 'objects', 'ordering': ['-issue_date', '-number'], 'permissions': [('resend_invoice_notification', "Peut renvoyer l'avis de facture disponible")], 'verbose_name': 'facture', 'verbose_name_plural': 'factures'},
        ),
        grant(
            "billing",
            ["resend_invoice_notification"],
            ["Support", "Facturation", "Administration"],
        ),
    ]
