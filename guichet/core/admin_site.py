"""The back office's admin site (a second factor for every staff member, J2) and the
building blocks its model admins share."""

from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


class StaffLoginForm(OTPAdminAuthenticationForm):
    """With a single device there is nothing to choose: use it, rather than ask first."""

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        if device is None:
            devices = list(devices_for_user(user, confirmed=True, for_verify=True))
            if len(devices) == 1:
                device = devices[0]
        return device


class StaffAdminSite(OTPAdminSite):
    login_form = StaffLoginForm


class ReadOnlyAdminMixin:
    """For records the portal writes and nobody edits: invoices, events, logs, e-mails."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
