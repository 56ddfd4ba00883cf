#!/bin/bash
# test_snapshot_pool.sh: test_snapshot.sh with containers/ on the layer
# pool (an XFS image: the snapshots' copies and the reverts are reflinks).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

CT_SNAPSHOT_POOL=1 exec bash "$(dirname "$0")/test_snapshot.sh"
