#!/usr/bin/python3
# define_cost.py: the time one define (and undefine) takes, in-process
# (ct:///embed), with and without VIR_DOMAIN_DEFINE_VALIDATE.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: LIBVIRT_DRIVER_DIR=BUILD/src CT_SCHEMA_DIR=SRC/xml \
#        /usr/bin/python3 bench/define_cost.py LABEL [N]
# Run it once per build to compare (e.g. before and after a change); it
# prints one table row per mode.

import sys
import tempfile
import time

import libvirt

XML = """<domain type='lxc' xmlns:ct='http://libvirt.org/schemas/domain/ct/1.0'>
  <name>bench</name>
  <memory unit='MiB'>64</memory>
  <vcpu>2</vcpu>
  <os><type>exe</type><init>/sbin/init</init>
    <initenv name='LANG'>C.UTF-8</initenv></os>
  <devices>
    <filesystem type='mount'><source dir='/srv/bench'/><target dir='/'/></filesystem>
    <filesystem type='ram'><source usage='16' units='MiB'/><target dir='/tmp'/></filesystem>
    <interface type='bridge'><source bridge='br0'/></interface>
    <console type='pty'/>
  </devices>
  <ct:processes>128</ct:processes>
</domain>"""


def measure(conn, flags, n):
    conn.defineXMLFlags(XML, flags).undefine()  # warm up (schema compiled once)
    start = time.perf_counter()
    for _ in range(n):
        conn.defineXMLFlags(XML, flags).undefine()
    return (time.perf_counter() - start) * 1000 / n


def main():
    label = sys.argv[1] if len(sys.argv) > 1 else "build"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    libvirt.virEventRegisterDefaultImpl()
    with tempfile.TemporaryDirectory() as root:
        conn = libvirt.open("ct:///embed?root=%s" % root)
        for name, flags in (("define", 0), ("define --validate", libvirt.VIR_DOMAIN_DEFINE_VALIDATE)):
            print("%-12s %-18s %8.2f ms (define + undefine, n=%d)"
                  % (label, name, measure(conn, flags, n), n))
        conn.close()


if __name__ == "__main__":
    main()
