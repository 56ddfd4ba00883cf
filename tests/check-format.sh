#!/bin/bash
# check-format.sh: every C file of the project is as build-aux/format.sh
# writes it (clang-format, then goto labels indented by one space).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "skipped: clang-format is not installed"; exit 77; }
bad=0
for f in $(git ls-files '*.c' '*.h'); do
    if ! clang-format "$f" 2>/dev/null | sed -E 's/^([A-Za-z_][A-Za-z0-9_]*):$/ \1:/' |
        cmp -s - "$f"; then
        echo "not formatted: $f (build-aux/format.sh $f)"
        bad=1
    fi
done
[ $bad = 0 ] && echo "all C files formatted"
exit $bad
