#!/bin/bash
# check-format.sh: every C file of the project is as clang-format writes it.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "skipped: clang-format is not installed"; exit 77; }
bad=0
for f in $(git ls-files '*.c' '*.h'); do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "not formatted: $f (clang-format -i $f)"
        bad=1
    fi
done
[ $bad = 0 ] && echo "all C files formatted"
exit $bad
