"""Home composes the other apps, so the checks that walk every page of every app (security
headers, malformed input, the CSP in a browser) live here: core's tests import no app."""
