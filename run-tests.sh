#!/bin/bash
# run-tests.sh: the whole test suite, as root on Debian 12.  Installs what
# it needs, builds in build-tests/, then runs: the format check, the unit
# tests (also under valgrind), and the integration tests (real daemon).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -uo pipefail
cd "$(dirname "$0")"

builddir=${CT_TEST_BUILDDIR:-build-tests}

if [ "$(id -u)" = 0 ]; then
    build-aux/install-deps.sh || exit 1
fi
if [ ! -f "$builddir/build.ninja" ]; then
    meson setup "$builddir" >/dev/null || { echo "meson setup failed"; exit 1; }
fi
ninja -C "$builddir" || exit 1

exec tests/run-all.sh "$builddir"
