#!/usr/bin/python3
# devevents.py URI NAME BRIDGE MAC: python3-libvirt attaches an interface
# on BRIDGE to the running container NAME and detaches it again, the way
# Nova does, and sees the device-added and device-removed events with
# the interface's alias from the live XML.  Prints one line per step;
# exits 1 at the first that fails.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import re
import sys
import threading
import time

import libvirt

uri, name, bridge, mac = sys.argv[1:5]
libvirt.virEventRegisterDefaultImpl()
conn = libvirt.open(uri)
events = []
cond = threading.Condition()


def on_device(kind):
    def callback(conn, dom, alias, opaque):
        with cond:
            events.append((kind, dom.name(), alias))
            cond.notify_all()
    return callback


def loop():
    while True:
        libvirt.virEventRunDefaultImpl()


def wait_event(kind, alias, timeout):
    deadline = time.time() + timeout
    with cond:
        while (kind, name, alias) not in events:
            left = deadline - time.time()
            if left <= 0:
                return False
            cond.wait(left)
    return True


def fail(msg):
    print("FAIL %s (events: %s)" % (msg, events))
    sys.exit(1)


threading.Thread(target=loop, daemon=True).start()
conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_ADDED,
                            on_device("added"), None)
conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
                            on_device("removed"), None)
dom = conn.lookupByName(name)
xml = ("<interface type='bridge'><mac address='%s'/><source bridge='%s'/></interface>"
       % (mac, bridge))

dom.attachDeviceFlags(xml, libvirt.VIR_DOMAIN_AFFECT_LIVE)
m = re.search(r"<mac address='%s'/>.*?<alias name='([^']+)'/>" % mac, dom.XMLDesc(0), re.S)
if not m:
    fail("no alias for the attached interface in the live XML")
alias = m.group(1)
print("attached, alias %s" % alias)
if not wait_event("added", alias, 5):
    fail("no device-added event for %s" % alias)
print("device-added %s" % alias)

start = time.time()
dom.detachDeviceFlags(xml, libvirt.VIR_DOMAIN_AFFECT_LIVE)
if not wait_event("removed", alias, 2):
    fail("no device-removed event for %s within 2 s" % alias)
print("device-removed %s after %.3f s" % (alias, time.time() - start))
if mac in dom.XMLDesc(0):
    fail("the interface is still in the live XML")
