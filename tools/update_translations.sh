#!/bin/sh
# Refresh the English catalogue after templates or gettext strings changed:
#   tools/update_translations.sh
# Re-extracts the Chinese msgids into locale/en/LC_MESSAGES/django.po, compiles django.mo (committed,
# so `make install` needs no gettext), then lists every msgid still untranslated or fuzzy and exits 1
# if there is any. Needs GNU gettext (apt-get install gettext).
set -eu
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
PO=locale/en/LC_MESSAGES/django.po
# The same ignores everywhere: without them compilemessages would also rebuild the .mo files of every
# package in the virtualenvs.
IGNORES="--ignore=.venv --ignore=.venv-tools --ignore=tests --ignore=tools"

mkdir -p locale
# --no-obsolete: msgids removed from the code disappear instead of piling up as #~ entries.
"$PY" manage.py makemessages -l en --no-obsolete $IGNORES
"$PY" manage.py compilemessages -l en $IGNORES

# The entries msgattrib selects, minus the header it always prints (the one entry whose msgid is empty).
entries() {
    msgattrib "$@" --no-obsolete --no-wrap "$PO" | awk 'BEGIN { RS = ""; ORS = "\n\n" } !/(^|\n)msgid ""\nmsgstr/'
}

untranslated=$(entries --untranslated)
# msgmerge guesses a translation for a new msgid from a similar one and marks it fuzzy; compilemessages
# drops fuzzy entries, so they count as untranslated too.
fuzzy=$(entries --only-fuzzy)

status=0
if [ -n "$untranslated" ]; then
    echo "Untranslated msgids in $PO:"
    echo "$untranslated"
    status=1
fi
if [ -n "$fuzzy" ]; then
    echo "Fuzzy msgids in $PO (check the guess, then delete the '#, fuzzy' line):"
    echo "$fuzzy"
    status=1
fi
if [ "$status" -eq 0 ]; then
    echo "$PO: every msgid translated."
else
    echo "Translate them in $PO and run this script again."
fi
exit "$status"
