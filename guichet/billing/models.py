"""Invoices as a ledger of record: an issued invoice and its lines never change."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_lazy

from guichet.core.formatting import format_cents, format_date

from .money import format_rate
from .periods import add_months


class InvoiceImmutableError(Exception):
    """Raised on any attempt to change or delete what an issued invoice says."""


class InvoiceCounter(models.Model):
    """The last number given for a prefix, incremented under a row lock by the issuing
    transaction: a rolled-back issue gives its number back, so numbers have no gap."""

    prefix = models.CharField(gettext_lazy("préfixe"), max_length=10, unique=True, blank=True)
    last_number = models.BigIntegerField(gettext_lazy("dernier numéro attribué"), default=0)

    class Meta:
        verbose_name = gettext_lazy("compteur de numéros de facture")
        verbose_name_plural = gettext_lazy("compteurs de numéros de facture")
        ordering = ["prefix"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_number__gte=0), name="billing_counter_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(prefix)s : %(number)s") % {
            "prefix": self.prefix or gettext("(sans préfixe)"),
            "number": self.last_number,
        }


class BillingRun(models.Model):
    """One billing run of a month: what it has done so far, chunk after chunk.

    The counters move in each chunk's own transaction, so a chunk that rolls back (a worker
    that dies) counts for nothing and its customers are billed when the run is resumed. The
    PDFs are rendered by workers after each chunk: `pdfs_rendered()` counts them.
    """

    class Status(models.TextChoices):
        RUNNING = "running", gettext_lazy("En cours")
        DONE = "done", gettext_lazy("Terminée")
        INCOMPLETE = "incomplete", gettext_lazy("Terminée avec des échecs")

    period = models.DateField(gettext_lazy("période"))
    issue_date = models.DateField(gettext_lazy("date des factures"))
    status = models.CharField(
        gettext_lazy("état"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    notify = models.BooleanField(gettext_lazy("avis par e-mail"), default=True)
    render_pdf = models.BooleanField(gettext_lazy("PDF rendus par les workers"), default=True)
    customers_total = models.PositiveIntegerField(gettext_lazy("clients à facturer"), default=0)
    issued = models.PositiveIntegerField(gettext_lazy("factures émises"), default=0)
    already_invoiced = models.PositiveIntegerField(gettext_lazy("clients déjà facturés"), default=0)
    nothing_to_bill = models.PositiveIntegerField(gettext_lazy("clients sans montant"), default=0)
    failed = models.PositiveIntegerField(gettext_lazy("clients en échec"), default=0)
    chunks_total = models.PositiveIntegerField(gettext_lazy("lots"), default=0)
    chunks_done = models.PositiveIntegerField(gettext_lazy("lots terminés"), default=0)
    total_incl_vat_cents = models.BigIntegerField(gettext_lazy("total TTC (centimes)"), default=0)
    started_at = models.DateTimeField(gettext_lazy("commencée le"), default=timezone.now)
    finished_at = models.DateTimeField(gettext_lazy("finie le"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("facturation mensuelle")
        verbose_name_plural = gettext_lazy("facturations mensuelles")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period__day=1), name="billing_run_period_is_a_month"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["running", "done", "incomplete"]),
                name="billing_run_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Facturation %(period)s du %(date)s") % {
            "period": self.period.strftime("%m/%Y"),
            "date": format_date(self.issue_date),
        }

    def pdfs_rendered(self) -> int:
        return self.invoices.exclude(pdf_sha256="").count()

    def pdfs_to_render(self) -> int:
        return self.invoices.filter(pdf_sha256="").count()


class InvoiceQuerySet(models.QuerySet):
    def for_customer(self, customer):
        return self.filter(customer=customer)

    def last_12_months(self, today: datetime.date | None = None):
        """Issued within the last 12 rolling months: after the same day a year ago."""
        today = today or timezone.localdate()
        return self.filter(issue_date__gt=add_months(today, -12), issue_date__lte=today)

    def with_settled(self):
        """Each invoice with `settled_cents`: how much of it payments settled so far.

        Payments keep that ledger and billing never imports them: the expression comes from
        the function settings.BILLING_SETTLED_CENTS names (none: nothing settled in part).
        """
        path = settings.BILLING_SETTLED_CENTS
        expression = import_string(path)() if path else models.Value(0)
        return self.annotate(settled_cents=expression)

    def bulk_create(self, objs, *args, **kwargs):
        """Issuing many at once is fine; overwriting issued ones on conflict is not."""
        if kwargs.get("update_conflicts"):
            raise InvoiceImmutableError(
                gettext("Une facture émise ne peut pas être remplacée (update_conflicts).")
            )
        return super().bulk_create(objs, *args, **kwargs)

    def update(self, **kwargs):
        frozen = set(kwargs) - Invoice.MUTABLE_FIELDS
        if frozen:
            raise InvoiceImmutableError(
                gettext("Une facture émise ne peut pas être modifiée (%(fields)s).")
                % {"fields": ", ".join(sorted(frozen))}
            )
        return super().update(**kwargs)

    def pdf_claim(self, *, invoice_id: int, name: str, sha256: str) -> bool:
        """Record the PDF of an invoice that has none yet; False if another one was first."""
        return bool(
            models.QuerySet.update(
                self.filter(pk=invoice_id, pdf_sha256=""), pdf=name, pdf_sha256=sha256
            )
        )

    def delete(self):
        raise InvoiceImmutableError(gettext("Une facture émise ne peut pas être supprimée."))

    delete.queryset_only = True

    def retention_purge(self, *, issued_before: datetime.date) -> int:
        """Delete those issued before that date (their lines gone first): for invoices_purge
        only, which opens the database's matching window (billing_retention_purge_allowed)."""
        return models.QuerySet.delete(self.filter(issue_date__lt=issued_before))[0]

    retention_purge.queryset_only = True


class Invoice(models.Model):
    class Status(models.TextChoices):
        ISSUED = "issued", gettext_lazy("À payer")
        # Carried by a SEPA debit file sent to the bank: still open until the money arrives
        # (a rejected debit makes it « issued » again).
        DEBIT_SENT = "debit_sent", gettext_lazy("Prélèvement émis")
        PAID = "paid", gettext_lazy("Payée")

    class PaymentMethod(models.TextChoices):
        DIRECT_DEBIT = "direct_debit", gettext_lazy("Prélèvement")
        ON_RECEIPT = "on_receipt", gettext_lazy("Paiement à réception")

    class Source(models.TextChoices):
        BILLING_RUN = "billing_run", gettext_lazy("Facturation mensuelle")
        IMPORT = "import", gettext_lazy("Import")

    # Everything else is the document itself; only its settlement and where its PDF file is
    # stored change after it is issued. The PDF's checksum is set once, by pdf_claim().
    MUTABLE_FIELDS = frozenset({"status", "paid_at", "pdf"})

    number = models.CharField(gettext_lazy("numéro"), max_length=30, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=gettext_lazy("client"),
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    # What the invoice says about the customer and the seller, as it was when issued.
    customer_reference = models.CharField(gettext_lazy("référence client"), max_length=8)
    customer_name = models.CharField(gettext_lazy("nom du client"), max_length=300)
    billing_address = models.TextField(gettext_lazy("adresse de facturation"))
    seller = models.JSONField(gettext_lazy("identité de l'opérateur"), default=dict)
    # Everything else its PDF shows that may change later (the brand: name, colours, logo
    # as a data URI), so that it renders byte for byte the same a year on. Empty on invoices
    # issued before it existed: their PDF reads today's brand.
    snapshot = models.JSONField(gettext_lazy("instantané à l'émission"), default=dict, blank=True)
    run = models.ForeignKey(
        BillingRun,
        verbose_name=gettext_lazy("facturation mensuelle"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
    )

    period = models.DateField(
        gettext_lazy("période"), help_text=gettext_lazy("Premier jour du mois facturé.")
    )
    issue_date = models.DateField(gettext_lazy("date de facture"))
    payment_method = models.CharField(
        gettext_lazy("mode de paiement"), max_length=20, choices=PaymentMethod.choices
    )
    due_date = models.DateField(
        gettext_lazy("échéance ou date de prélèvement"),
        help_text=gettext_lazy("Date limite de paiement, ou date du prélèvement prévu."),
    )
    total_excl_vat_cents = models.BigIntegerField(gettext_lazy("total HT (centimes)"))
    total_vat_cents = models.BigIntegerField(gettext_lazy("total TVA (centimes)"))
    total_incl_vat_cents = models.BigIntegerField(gettext_lazy("total TTC (centimes)"))
    source = models.CharField(gettext_lazy("origine"), max_length=20, choices=Source.choices)

    status = models.CharField(
        gettext_lazy("état"), max_length=10, choices=Status.choices, default=Status.ISSUED
    )
    paid_at = models.DateTimeField(gettext_lazy("payée le"), null=True, blank=True)

    pdf = models.FileField(gettext_lazy("PDF"), max_length=200, blank=True)
    pdf_sha256 = models.CharField(
        gettext_lazy("empreinte SHA-256 du PDF"), max_length=64, blank=True
    )
    created_at = models.DateTimeField(gettext_lazy("enregistrée le"), auto_now_add=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("facture")
        verbose_name_plural = gettext_lazy("factures")
        ordering = ["-issue_date", "-number"]
        # The back office's « Fiche client » (issue 11), given to roles by migration 0005.
        permissions = [
            ("resend_invoice_notification", "Peut renvoyer l'avis de facture disponible"),
        ]
        # Django writes through the base manager where no default manager is asked for
        # (customer.invoices.add(), bulk_update): it must be the guarded queryset too. The
        # database refuses the rest (triggers of migration 0002).
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "period"],
                name="billing_invoice_one_per_customer_period",
                violation_error_message=gettext_lazy(
                    "Ce client a déjà une facture pour cette période."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    total_incl_vat_cents=models.F("total_excl_vat_cents")
                    + models.F("total_vat_cents")
                ),
                name="billing_invoice_totals_add_up",
            ),
            models.CheckConstraint(
                condition=models.Q(period__day=1), name="billing_invoice_period_is_a_month"
            ),
            models.CheckConstraint(
                condition=models.Q(due_date__gte=models.F("issue_date")),
                name="billing_invoice_due_after_issue",
                violation_error_message=gettext_lazy("L'échéance précède la date de facture."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["issued", "debit_sent", "paid"]),
                name="billing_invoice_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(payment_method__in=["direct_debit", "on_receipt"]),
                name="billing_invoice_payment_method_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="paid", paid_at__isnull=False)
                | (~models.Q(status="paid") & models.Q(paid_at__isnull=True)),
                name="billing_invoice_paid_at_iff_paid",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-issue_date"], name="billing_invoice_list_idx"),
            models.Index(fields=["period"], name="billing_invoice_period_idx"),
        ]

    def __str__(self) -> str:
        return gettext("Facture %(number)s") % {"number": self.number}

    def save(self, *args, **kwargs):
        if not self._state.adding:
            update_fields = kwargs.get("update_fields")
            frozen = {"tout"} if update_fields is None else set(update_fields) - self.MUTABLE_FIELDS
            if frozen:
                raise InvoiceImmutableError(
                    gettext("La facture %(number)s est émise : elle ne peut plus être modifiée.")
                    % {"number": self.number}
                )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise InvoiceImmutableError(
            gettext("La facture %(number)s est émise : elle est conservée.")
            % {"number": self.number}
        )

    @property
    def is_paid(self) -> bool:
        return self.status == self.Status.PAID

    @property
    def status_label(self) -> str:
        """« Payée », « À payer avant le 10/12/2026 » or « Prélèvement prévu le 05/12/2026 »,
        in the active language."""
        if self.is_paid:
            return str(self.Status.PAID.label)
        if self.status == self.Status.DEBIT_SENT:
            return str(self.Status.DEBIT_SENT.label)
        date = format_date(self.due_date)
        # Set by InvoiceQuerySet.with_settled(); a partly settled invoice says what remains.
        settled = getattr(self, "settled_cents", 0) or 0
        if 0 < settled < self.total_incl_vat_cents:
            values = {"date": date, "amount": format_cents(self.total_incl_vat_cents - settled)}
            if self.payment_method == self.PaymentMethod.DIRECT_DEBIT:
                return gettext("Prélèvement prévu le %(date)s, reste %(amount)s") % values
            return gettext("À payer avant le %(date)s, reste %(amount)s") % values
        if self.payment_method == self.PaymentMethod.DIRECT_DEBIT:
            return gettext("Prélèvement prévu le %(date)s") % {"date": date}
        return gettext("À payer avant le %(date)s") % {"date": date}

    @property
    def pdf_filename(self) -> str:
        return f"{self.number}.pdf"


class LineGroup(models.TextChoices):
    """The sections French rules ask telecom invoices to show apart (E7)."""

    SUBSCRIPTIONS = "subscriptions", gettext_lazy("Abonnements, forfaits et options")
    COMMUNICATIONS = "communications", gettext_lazy("Communications")
    THIRD_PARTY = "third_party", gettext_lazy("Services de tiers")


class InvoiceLineQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """Lines are written once, with their invoice: never added to an issued one."""
        if kwargs.get("update_conflicts"):
            raise InvoiceImmutableError(
                gettext("Les lignes d'une facture émise ne peuvent pas être remplacées.")
            )
        objs = list(objs)
        invoice_ids = {line.invoice_id for line in objs}
        if self.model.objects.filter(invoice_id__in=invoice_ids).exists():
            raise InvoiceImmutableError(
                gettext("Une facture émise ne reçoit plus de lignes : émettez-en une autre.")
            )
        return super().bulk_create(objs, *args, **kwargs)

    def update(self, **kwargs):
        raise InvoiceImmutableError(
            gettext("Les lignes d'une facture émise ne peuvent pas être modifiées.")
        )

    def delete(self):
        raise InvoiceImmutableError(
            gettext("Les lignes d'une facture émise ne peuvent pas être supprimées.")
        )

    delete.queryset_only = True

    def retention_purge(self, *, issued_before: datetime.date) -> int:
        """Delete the lines of invoices issued before that date: for invoices_purge only."""
        return models.QuerySet.delete(self.filter(invoice__issue_date__lt=issued_before))[0]

    retention_purge.queryset_only = True


class InvoiceLine(models.Model):
    """One service for one period. Written with its invoice (bulk_create in invoice_issue)."""

    invoice = models.ForeignKey(
        Invoice,
        verbose_name=gettext_lazy("facture"),
        on_delete=models.PROTECT,
        related_name="lines",
    )
    position = models.PositiveSmallIntegerField(gettext_lazy("ordre"))
    group = models.CharField(gettext_lazy("rubrique"), max_length=20, choices=LineGroup.choices)
    label = models.CharField(gettext_lazy("désignation"), max_length=200)
    period_start = models.DateField(gettext_lazy("du"))
    period_end = models.DateField(gettext_lazy("au"))
    quantity = models.PositiveIntegerField(gettext_lazy("quantité"), default=1)
    unit_price_excl_vat_cents = models.BigIntegerField(gettext_lazy("prix unitaire HT (centimes)"))
    vat_rate_bp = models.PositiveIntegerField(gettext_lazy("taux de TVA (points de base)"))
    prorata_days = models.PositiveSmallIntegerField(
        gettext_lazy("jours facturés"),
        null=True,
        blank=True,
        help_text=gettext_lazy("Vide : le mois entier."),
    )
    prorata_base_days = models.PositiveSmallIntegerField(
        gettext_lazy("jours du mois"), null=True, blank=True
    )
    amount_excl_vat_cents = models.BigIntegerField(gettext_lazy("montant HT (centimes)"))
    vat_cents = models.BigIntegerField(gettext_lazy("TVA (centimes)"))
    amount_incl_vat_cents = models.BigIntegerField(gettext_lazy("montant TTC (centimes)"))
    subscription = models.ForeignKey(
        "catalog.Subscription",
        verbose_name=gettext_lazy("abonnement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoice_lines",
    )

    objects = InvoiceLineQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("ligne de facture")
        verbose_name_plural = gettext_lazy("lignes de facture")
        ordering = ["invoice", "position"]
        base_manager_name = "objects"  # invoice.lines.add() goes through it: see Invoice
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "position"], name="billing_line_unique_position"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    amount_incl_vat_cents=models.F("amount_excl_vat_cents") + models.F("vat_cents")
                ),
                name="billing_line_amounts_add_up",
            ),
            models.CheckConstraint(
                condition=models.Q(vat_rate_bp__lte=10000), name="billing_line_vat_rate_max"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="billing_line_period_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(group__in=["subscriptions", "communications", "third_party"]),
                name="billing_line_group_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(prorata_days__isnull=True, prorata_base_days__isnull=True)
                | models.Q(
                    prorata_days__isnull=False,
                    prorata_base_days__isnull=False,
                    prorata_days__lte=models.F("prorata_base_days"),
                ),
                name="billing_line_prorata_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs):
        raise InvoiceImmutableError(
            gettext(
                "Les lignes sont écrites avec leur facture (invoice_issue) et ne changent plus."
            )
        )

    def delete(self, *args, **kwargs):
        raise InvoiceImmutableError(
            gettext("Les lignes d'une facture émise ne peuvent pas être supprimées.")
        )

    @property
    def vat_rate_display(self) -> str:
        return format_rate(self.vat_rate_bp)

    @property
    def is_prorated(self) -> bool:
        return self.prorata_days is not None
