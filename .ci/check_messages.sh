#!/usr/bin/env bash
# CI: every string shown to users is marked and translated.
# - `make messages` (makemessages for every language, Python, templates and JavaScript) must
#   find nothing new against the committed catalogues: a string added without being marked
#   is not caught here, but one marked and not in the catalogue is, and the tests that walk
#   the pages in English catch what is shown and not marked;
# - no catalogue has an untranslated or fuzzy entry;
# - the compiled .mo files are those of the committed .po files.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in xgettext msgfmt msgattrib; do
    command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install gettext"; exit 1; }
done

work=$(mktemp -d)
cp -a locale "$work/committed"
# Put the committed catalogues back, whatever happens (even if this script is killed).
trap 'rm -rf locale && cp -a "$work/committed" locale && rm -rf "$work"' EXIT

make --no-print-directory messages >/dev/null

status=0
# The creation date in the header changes at every run: everything else must be identical.
if ! diff -r -q -x '*.mo' -I '^"POT-Creation-Date:' "$work/committed" locale >/dev/null; then
    echo "== the catalogues are not up to date with the code: run \`make messages\`, translate, commit"
    diff -r -u -x '*.mo' -I '^"POT-Creation-Date:' "$work/committed" locale | head -80 || true
    status=1
fi
for po in locale/*/LC_MESSAGES/*.po; do
    untranslated=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)
    fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid ' || true)
    # msgattrib prints the header entry (msgid "") when it prints anything.
    if [ "$untranslated" -gt 1 ] || [ "$fuzzy" -gt 1 ]; then
        echo "== $po: $((untranslated > 0 ? untranslated - 1 : 0)) untranslated, $((fuzzy > 0 ? fuzzy - 1 : 0)) fuzzy"
        msgattrib --untranslated --no-obsolete "$po" | head -40
        msgattrib --only-fuzzy --no-obsolete "$po" | head -40
        status=1
    fi
    mo="${po%.po}.mo"
    msgfmt --check -o "$work/compiled.mo" "$po"
    if ! cmp -s "$work/compiled.mo" "$mo"; then
        echo "== $mo is not compiled from $po: run \`make messages\` (it compiles too) and commit"
        status=1
    fi
done
if [ "$status" -eq 0 ]; then
    echo "catalogues: every marked string is in them, translated, and compiled"
fi
exit "$status"
