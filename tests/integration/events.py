#!/usr/bin/python3
# events.py URI XML: python3-libvirt sees "defined" and "undefined"
# lifecycle events for a domain it defines and undefines.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import sys
import threading
import time

import libvirt

uri, xmlpath = sys.argv[1], sys.argv[2]
libvirt.virEventRegisterDefaultImpl()
conn = libvirt.open(uri)
events = []


def on_lifecycle(conn, dom, event, detail, opaque):
    events.append((dom.name(), event, detail))


def loop():
    while True:
        libvirt.virEventRunDefaultImpl()


threading.Thread(target=loop, daemon=True).start()
conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_lifecycle, None)

dom = conn.lookupByUUIDString(
    __import__("re").search(r"<uuid>([^<]+)</uuid>", open(xmlpath).read()).group(1))
dom.undefine()
conn.defineXML(open(xmlpath).read())

deadline = time.time() + 5
want = [libvirt.VIR_DOMAIN_EVENT_UNDEFINED, libvirt.VIR_DOMAIN_EVENT_DEFINED]
while time.time() < deadline and [e[1] for e in events] != want:
    time.sleep(0.05)
if [e[1] for e in events] != want:
    print("events seen:", events)
    sys.exit(1)
print("events:", events)
