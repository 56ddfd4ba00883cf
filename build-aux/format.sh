#!/bin/bash
# format.sh [FILE...]: formats C files as tests/check-format.sh wants them
# (all of the project's by default): clang-format with the project's
# .clang-format, then goto labels indented by one space, where libvirt
# puts them (clang-format can only flush them left).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- $(git ls-files '*.c' '*.h')
for f in "$@"; do
    clang-format -i "$f"
    sed -i -E 's/^([A-Za-z_][A-Za-z0-9_]*):$/ \1:/' "$f"
done
