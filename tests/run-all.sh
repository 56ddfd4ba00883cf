#!/bin/bash
# run-all.sh BUILDDIR: every test of the project, with one closing line
# "N passed, N failed, N skipped" counting test programs.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -uo pipefail
cd "$(dirname "$0")/.."
builddir=$(cd "${1:-build}" && pwd)
export CT_BUILD=$builddir
export CT_SUPERVISOR=$builddir/src/ct-supervisor

passed=0
failed=0
skipped=0

run() {
    local name=$1 rc
    shift
    echo "=== $name"
    "$@"
    rc=$?
    case $rc in
        0) passed=$((passed + 1)); echo "=== PASS: $name" ;;
        77) skipped=$((skipped + 1)); echo "=== SKIP: $name" ;;
        *) failed=$((failed + 1)); echo "=== FAIL: $name (exit $rc)" ;;
    esac
}

run "format (clang-format)" tests/check-format.sh
run "unit tests" meson test -C "$builddir" --suite unit --print-errorlogs
run "unit tests under valgrind" tests/valgrind-unit.sh "$builddir"
for t in tests/integration/test_*.sh; do
    run "integration: $(basename "$t")" bash "$t"
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
