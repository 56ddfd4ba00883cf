#!/usr/bin/python3
# lifecycle.py URI XML: python3-libvirt drives a container through its
# lifecycle and checks the events and their reasons, transient domains
# and autodestroy when the creating connection closes.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import sys
import threading
import time

import libvirt

uri, xmlpath = sys.argv[1], sys.argv[2]
xml = open(xmlpath).read()
name = "ctltpy"
libvirt.virEventRegisterDefaultImpl()
conn = libvirt.open(uri)
events = []
E = libvirt


def on_lifecycle(conn, dom, event, detail, opaque):
    events.append((event, detail))


def on_reboot(conn, dom, opaque):
    events.append(("reboot", 0))


def loop():
    while True:
        libvirt.virEventRunDefaultImpl()


threading.Thread(target=loop, daemon=True).start()
conn.domainEventRegisterAny(None, E.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_lifecycle, None)
conn.domainEventRegisterAny(None, E.VIR_DOMAIN_EVENT_ID_REBOOT, on_reboot, None)
failures = []


def expect(what, want, timeout=10):
    """Waits until the events seen so far are @want, then forgets them."""
    deadline = time.time() + timeout
    while time.time() < deadline and events != want:
        time.sleep(0.05)
    if events != want:
        failures.append("%s: events %s, wanted %s" % (what, events, want))
    events.clear()


def gone(timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn.lookupByName(name)
        except libvirt.libvirtError as e:
            return e.get_error_code() == E.VIR_ERR_NO_DOMAIN
        time.sleep(0.05)
    return False


# a transient container with autodestroy dies with its connection
other = libvirt.open(uri)
dom = other.createXML(xml, E.VIR_DOMAIN_START_AUTODESTROY)
if not dom.isActive() or dom.isPersistent():
    failures.append("createXML: not an active transient domain")
if conn.lookupByID(dom.ID()).name() != name:
    failures.append("lookupByID does not find the container")
del dom  # it holds the connection open
other.close()
expect("autodestroy", [(E.VIR_DOMAIN_EVENT_STARTED, E.VIR_DOMAIN_EVENT_STARTED_BOOTED),
                       (E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_DESTROYED)])
if not gone():
    failures.append("autodestroyed transient domain still exists")

# a persistent one through its whole life
dom = conn.defineXML(xml)
dom.createWithFlags(E.VIR_DOMAIN_START_PAUSED)
if dom.state() != [E.VIR_DOMAIN_PAUSED, E.VIR_DOMAIN_PAUSED_USER]:
    failures.append("start paused: state %s" % dom.state())
dom.resume()
dom.suspend()
dom.resume()
dom.reboot()
expect("start paused, resume, suspend, resume, reboot",
       [(E.VIR_DOMAIN_EVENT_DEFINED, E.VIR_DOMAIN_EVENT_DEFINED_ADDED),
        (E.VIR_DOMAIN_EVENT_STARTED, E.VIR_DOMAIN_EVENT_STARTED_BOOTED),
        (E.VIR_DOMAIN_EVENT_SUSPENDED, E.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED),
        (E.VIR_DOMAIN_EVENT_RESUMED, E.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED),
        (E.VIR_DOMAIN_EVENT_SUSPENDED, E.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED),
        (E.VIR_DOMAIN_EVENT_RESUMED, E.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED),
        ("reboot", 0)])
dom.shutdown()
expect("shutdown", [(E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN)])
if dom.state() != [E.VIR_DOMAIN_SHUTOFF, E.VIR_DOMAIN_SHUTOFF_SHUTDOWN]:
    failures.append("after shutdown: state %s" % dom.state())

# autodestroy of a persistent domain stops it and keeps the definition
other = libvirt.open(uri)
other.lookupByName(name).createWithFlags(E.VIR_DOMAIN_START_AUTODESTROY)
other.close()
expect("persistent autodestroy",
       [(E.VIR_DOMAIN_EVENT_STARTED, E.VIR_DOMAIN_EVENT_STARTED_BOOTED),
        (E.VIR_DOMAIN_EVENT_STOPPED, E.VIR_DOMAIN_EVENT_STOPPED_DESTROYED)])
if dom.isActive() or not dom.isPersistent():
    failures.append("persistent autodestroy: active=%d persistent=%d"
                    % (dom.isActive(), dom.isPersistent()))

# refusals
for what, call, code in [
        ("unsupported flag", lambda: dom.createWithFlags(E.VIR_DOMAIN_START_RESET_NVRAM),
         E.VIR_ERR_INVALID_ARG),
        ("suspend while shut off", dom.suspend, E.VIR_ERR_OPERATION_INVALID),
        ("save while shut off", lambda: dom.save("/tmp/ctlt.save"),
         E.VIR_ERR_OPERATION_INVALID)]:
    try:
        call()
        failures.append("%s: succeeded" % what)
    except libvirt.libvirtError as e:
        if e.get_error_code() != code:
            failures.append("%s: error %d (%s), wanted %d"
                            % (what, e.get_error_code(), e, code))

dom.undefine()
for f in failures:
    print(f)
sys.exit(1 if failures else 0)
