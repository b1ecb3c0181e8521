#!/bin/bash
# check-po.sh: every translatable virtctl string has a current Korean translation, and virtctl speaks it.
set -euo pipefail
src=$1 build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "1..4"
cd "$src"
xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ -o "$tmp/virtd.pot" -f po/POTFILES
msgfmt -c -o /dev/null po/ko.po && echo "ok 1 - po/ko.po is valid" || { echo "not ok 1 - po/ko.po is invalid"; exit 1; }

msgmerge -q --no-fuzzy-matching -o "$tmp/merged.po" po/ko.po "$tmp/virtd.pot"
untranslated=$(msgattrib --untranslated --no-obsolete "$tmp/merged.po" | grep -c '^msgid ' || true)
# msgattrib prints the header entry too when anything is left.
if [ "$untranslated" -le 0 ]; then
        echo "ok 2 - every string in po/POTFILES is translated to Korean"
else
        echo "not ok 2 - untranslated strings:"; msgattrib --untranslated --no-obsolete "$tmp/merged.po" | sed 's/^/# /'; exit 1
fi
obsolete=$(msgattrib --only-obsolete "$tmp/merged.po" | grep -c '^#~ msgid ' || true)
if [ "$obsolete" -eq 0 ]; then
        echo "ok 3 - po/ko.po has no translations for strings that no longer exist"
else
        echo "not ok 3 - po/ko.po has $obsolete obsolete entries"; exit 1
fi

out=$(LC_ALL=C.UTF-8 LANGUAGE=ko VIRTCTL_LOCALEDIR="$build/po" "$build/client/virtctl" --help)
if grep -q '명령' <<<"$out"; then
        echo "ok 4 - virtctl --help speaks Korean with LANGUAGE=ko"
else
        echo "not ok 4 - virtctl --help is not translated"; exit 1
fi
