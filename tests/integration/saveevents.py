#!/usr/bin/python3
# saveevents.py URI NAME IMAGE: through python-libvirt, save the running
# domain NAME to IMAGE, restore it, managed-save it and start it again;
# the lifecycle events must be stopped/saved, started/restored twice.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import sys
import threading
import time

import libvirt

uri, name, image = sys.argv[1:4]
libvirt.virEventRegisterDefaultImpl()
conn = libvirt.open(uri)
events = []


def on_lifecycle(conn, dom, event, detail, opaque):
    if dom.name() == name:
        events.append((event, detail))


def loop():
    while True:
        libvirt.virEventRunDefaultImpl()


threading.Thread(target=loop, daemon=True).start()
conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_lifecycle, None)

dom = conn.lookupByName(name)
if not dom.isActive():
    dom.create()
    time.sleep(0.5)
events.clear()
dom.save(image)
conn.restore(image)
dom = conn.lookupByName(name)
dom.managedSave()
if not dom.hasManagedSaveImage():
    sys.exit("no managed save image after managedSave()")
dom.create()

stopped = (libvirt.VIR_DOMAIN_EVENT_STOPPED, libvirt.VIR_DOMAIN_EVENT_STOPPED_SAVED)
started = (libvirt.VIR_DOMAIN_EVENT_STARTED, libvirt.VIR_DOMAIN_EVENT_STARTED_RESTORED)
want = [stopped, started, stopped, started]
deadline = time.time() + 5
while time.time() < deadline and events != want:
    time.sleep(0.05)
if events != want:
    sys.exit("events %s, want %s" % (events, want))
state, reason = dom.state()
if (state, reason) != (libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_RESTORED):
    sys.exit("state %s/%s after start from the managed image" % (state, reason))
