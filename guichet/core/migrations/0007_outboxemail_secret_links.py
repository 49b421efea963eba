"""Secret links leave the outbox: a field for what makes them at send time, and the reset
links already stored in e-mail bodies (readable by staff in the back office) redacted.

A row whose reset link is redacted gets what makes a fresh one, so an e-mail still pending
leaves with a working link (if the account still exists and is active).
"""

import re

from django.db import migrations, models
from django.db.models import Q
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

# As guichet.core.emails wrote it when this migration was written: a later change of wording
# there must not change what this migration does.
PLACEHOLDER = "[lien confidentiel, créé au moment de l’envoi]"
# accounts:reset_confirm, /mot-de-passe/<uidb64>/<token>/, with or without the site address.
# A token is « <timestamp>-<hash> »: the dash keeps /mot-de-passe/termine/ and the like out.
RESET_URL = re.compile(
    r"(?:https?://[^\s\"'<>]*?)?/mot-de-passe/(?P<uid>[0-9A-Za-z_-]+)/[0-9A-Za-z]+-[0-9A-Za-z]+/?"
)


def _user_id(uidb64: str) -> int | None:
    try:
        return int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None


def redact_reset_links(apps, schema_editor):
    OutboxEmail = apps.get_model("core", "OutboxEmail")
    rows = OutboxEmail.objects.filter(
        Q(body_text__contains="/mot-de-passe/") | Q(body_html__contains="/mot-de-passe/")
    )
    for email in rows.iterator():
        uids = set()

        def redact(match, uids=uids):
            uids.add(match.group("uid"))
            return PLACEHOLDER

        body_text = RESET_URL.sub(redact, email.body_text)
        body_html = RESET_URL.sub(redact, email.body_html)
        if not uids:
            continue
        email.body_text, email.body_html = body_text, body_html
        user_ids = {_user_id(uid) for uid in uids}
        if len(user_ids) == 1 and None not in user_ids and not email.secret_links:
            email.secret_links = {
                "link": {
                    "builder": "password_reset",
                    "args": {"user_id": user_ids.pop(), "email": email.to},
                    "placeholder": PLACEHOLDER,
                }
            }
        email.save(update_fields=["body_text", "body_html", "secret_links"])


class Migration(migrations.Migration):
    dependencies = [("core", "0006_cache_table_always")]

    operations = [
        migrations.AddField(
            model_name="outboxemail",
            name="secret_links",
            field=models.JSONField(blank=True, default=dict, verbose_name="liens confidentiels"),
        ),
        # Nothing to put back: the links are gone on purpose.
        migrations.RunPython(redact_reset_links, migrations.RunPython.noop),
    ]
