#!/bin/bash
# test_clone_pool.sh: test_clone.sh with containers/ on the layer pool (an
# XFS image: copies are reflinks, templates/ is another file system).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

CT_CLONE_POOL=1 exec bash "$(dirname "$0")/test_clone.sh"
