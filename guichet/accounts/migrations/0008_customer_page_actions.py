"""The « Fiche client » actions of the back office (issue 11): sending the first-access link
and lifting a login throttle are permissions of their own, given to « Support » and
« Administration » (not « Facturation »: it changes no security setting); lifting a throttle
is a security event of the account."""

from django.db import migrations, models


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
        ('accounts', '0007_staff_roles'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='user',
            options={'permissions': [('send_first_access_link', 'Peut envoyer le lien de premier accès à un client'), ('lift_login_throttle', "Peut lever le blocage de connexion d'un client")], 'verbose_name': 'utilisateur', 'verbose_name_plural': 'utilisateurs'},
        ),
        migrations.AlterField(
            model_name='securityevent',
            name='kind',
            field=models.CharField(choices=[('login_succeeded', 'Connexion réussie'), ('login_failed', 'Échec de connexion'), ('login_throttled', "Connexion suspendue (trop d'essais)"), ('reset_requested', 'Lien de réinitialisation envoyé'), ('reset_sent_by_staff', 'Lien de première connexion envoyé par le personnel'), ('reset_used', 'Mot de passe réinitialisé'), ('reset_link_invalid', 'Lien de réinitialisation refusé'), ('password_changed', 'Mot de passe modifié'), ('password_upgrade_required', 'Mot de passe à renforcer'), ('identifier_changed', 'Identifiant modifié'), ('current_password_wrong', 'Mot de passe actuel erroné'), ('mandate_signed', 'Mandat de prélèvement signé'), ('bank_details_changed', 'Coordonnées bancaires modifiées'), ('mandate_revoked', 'Mandat de prélèvement révoqué'), ('data_export_requested', 'Archive de mes données demandée'), ('email_change_requested', "Changement d'adresse e-mail demandé"), ('email_changed', 'Adresse e-mail de contact modifiée'), ('throttle_lifted', 'Blocage de connexion levé par le personnel')], max_length=40, verbose_name='événement'),
        ),
        grant(
            "accounts",
            ["send_first_access_link", "lift_login_throttle"],
            ["Support", "Administration"],
        ),
    ]
