#!/bin/bash
# valgrind-unit.sh BUILDDIR: the unit tests under valgrind; any invalid
# access or definite leak fails.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

builddir=${1:-build}
command -v valgrind >/dev/null || { echo "skipped: valgrind is not installed"; exit 77; }
exec meson test -C "$builddir" --suite unit --print-errorlogs \
    --wrapper "valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite"
