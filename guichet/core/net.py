"""Where a request comes from, behind our own reverse proxies."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the one our outermost proxy saw.

    With N trusted proxies in front, the last N entries of X-Forwarded-For were written by
    them; anything further left was sent by the client and can be forged.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = settings.GUICHET_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) >= proxies:
        return forwarded[-proxies]
    return remote


def valid_ip(text: str) -> str | None:
    """The address if it is one (for GenericIPAddressField columns), else None."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def address_group(ip: str) -> str:
    """What one client controls: an IPv4 address, or the /64 an IPv6 host is usually given."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
