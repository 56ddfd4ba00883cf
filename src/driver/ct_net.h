/*
 * ct_net.h: a container's network interfaces
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every container has its own network namespace; its <interface>s are
 * veth pairs (bridge, network, ethernet) or macvlan devices (direct)
 * made on the host, moved into the namespace while init waits for GO,
 * and configured there (name, addresses, routes, link state) by the
 * daemon before init runs.  Host ends are named in the running
 * definition (<target dev>), so a daemon started later removes them.
 */

#pragma once

#include "ct_conf.h"

/* Before GO: plugs every interface of the running definition into the
 * namespace of @initPid (loopback is the child's, ct_container.c).  On failure the caller
 * stops the container, which undoes what was done. */
int virCTNetStart(virDomainObj *vm, pid_t initPid);

/* A restore (ct_save.c), before the plan is written: the checkpoint's
 * interfaces get their network ports and names for the container ends of
 * their veth pairs; returns how CRIU finds them (its --external values:
 * netdev[IN]:PEER, macvlan[IN]:PARENT), or NULL with an error. */
GPtrArray *virCTNetPrepareRestore(virDomainObj *vm);

/* A restore at sync point 3, the status recorded: the veth pairs as a
 * boot makes them (host end on its bridge, addresses, script, bandwidth),
 * recorded in the definition so that a stop removes them. */
int virCTNetStartRestore(virDomainObj *vm);

/* After the container's processes are gone: removes the host ends left,
 * gives network ports back.  Never fails; problems are logged. */
void virCTNetStop(virDomainObj *vm);

/* After a daemon restart: tells the network driver again which ports
 * running containers hold. */
void virCTNetReconnect(virDomainObj *vm);

/* Plugs @net into running @vm (hotplug): on success the caller adds it
 * to the running definition; on failure nothing is left. */
int virCTNetAttach(virDomainObj *vm, virDomainNetDef *net);

/* Unplugs @net, an interface of running @vm. */
int virCTNetDetach(virDomainObj *vm, virDomainNetDef *net);

/* Link state inside (virsh domif-setlink). */
int virCTNetSetLinkState(virDomainObj *vm, virDomainNetDef *net, int linkstate);

/* Counters of @net as the container sees them (rx: what it received). */
int virCTNetGetStats(virDomainObj *vm, virDomainNetDef *net, virDomainInterfaceStatsPtr stats);

/* virDomainInterfaceAddresses: LEASE (configured <ip>s and the DHCP
 * leases of libvirt networks), AGENT (the container's own view) or ARP
 * (the host's neighbour table).  Returns the count, -1 on error. */
int virCTNetGetAddresses(virDomainObj *vm, unsigned int source, virDomainInterfacePtr **ifaces);
