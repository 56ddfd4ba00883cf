/*
 * ct_bandwidth.h: <bandwidth> of a container's interface with tc
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * libvirt's helper (virNetDevBandwidthSet) needs the sfq qdisc and the
 * police action, which kernels built without them (like this project's
 * CI kernel) lack; this one needs only htb, the ingress qdisc, the u32
 * classifier, the mirred action and an ifb device:
 *   inbound (what the container receives) = the host end's egress:
 *     an htb class at the average rate, ceiling peak, burst;
 *   outbound (what it sends) = the host end's ingress, redirected to an
 *     ifb device named after the host end, shaped there the same way.
 * Everything goes with the host end and its ifb device.
 */

#pragma once

#include "virnetdevbandwidth.h"

/* Shapes host end @ifname.  Returns 0 or -1 (reported); on failure the
 * caller removes the host end and calls virCTBandwidthClear(). */
int virCTBandwidthSet(const char *ifname, const virNetDevBandwidth *bandwidth);

/* Removes the ifb device of host end @ifname, if there is one. */
void virCTBandwidthClear(const char *ifname);
