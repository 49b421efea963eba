"""English versions of the default editable pages; staff adapt them in the admin as the French."""

from django.db import migrations

PRIVACY = """This policy supplements article 26 of the general terms of sale, "Personal data".

Data controller: your operator, whose identity is given on your invoices. The data of your customer area (customer reference, holders, addresses, contact details, services subscribed, invoices, payments, requests) are used to perform your contract, to invoice you, to keep you informed and to answer your requests. They are neither sold nor transferred.

Retention periods: contract data for the life of the contract and then for the legal limitation periods; invoices for ten years (an accounting obligation); login records for one year.

Your rights: you may access your data, have it corrected or erased, restrict its processing, object to it and ask for its portability, by writing to customer service from "Contact us". You may also complain to the CNIL (www.cnil.fr).

Security: your password is stored as a hash (Argon2), exchanges are encrypted, and your bank card is never entered on our pages."""

ACCESSIBILITY = """The operator undertakes to make its customer area accessible in accordance with article 47 of French law no. 2005-102 of 11 February 2005.

Compliance status: the customer area is partially compliant with the French accessibility framework (RGAA 4.1), pending a full audit.

The pages are tested automatically (axe-core) and by hand: keyboard navigation, field labels, contrast, display on phones.

If you cannot access some content or a service, write to us from "Contact us": we will answer and provide the information in another form. You may also refer the matter to the Défenseur des droits (www.defenseurdesdroits.fr)."""


def create_pages(apps, schema_editor):
    SitePage = apps.get_model("core", "SitePage")
    SitePage.objects.get_or_create(
        slug="donnees-personnelles",
        language="en",
        defaults={"title": "Personal data protection policy", "body": PRIVACY},
    )
    SitePage.objects.get_or_create(
        slug="accessibilite",
        language="en",
        defaults={"title": "Accessibility statement", "body": ACCESSIBILITY},
    )


def remove_pages(apps, schema_editor):
    apps.get_model("core", "SitePage").objects.filter(language="en").delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0008_sitepage_language")]
    operations = [migrations.RunPython(create_pages, remove_pages)]
