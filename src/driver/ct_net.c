/*
 * ct_net.c: a container's network interfaces
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Plugging one interface, in order:
 *   1. type 'network': a port of the libvirt network (network:///system,
 *      served by virtnetworkd or libvirtd) gives the actual bridge or
 *      direct device;
 *   2. on the host: a veth pair (host end on the bridge, or left alone
 *      for 'ethernet', up, with its bandwidth limits) or a macvlan;
 *   3. the container end moves into the container's namespace;
 *   4. inside (ct_netns.c): renamed to <guest dev> or ethN, addresses
 *      and routes added, link up unless <link state='down'>.
 * The host end's name goes into the running definition at step 2, so
 * whatever fails later, the stop removes it.
 */

#include <config.h>

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_link.h>
#include <netpacket/packet.h>

#include "ct_bandwidth.h"
#include "ct_domain.h"
#include "ct_net.h"
#include "ct_netns.h"
#include "ct_process.h"

#include "datatypes.h"
#include "domain_validate.h"
#include "viralloc.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virnetdev.h"
#include "virnetdevbandwidth.h"
#include "virnetdevbridge.h"
#include "virnetdevip.h"
#include "virnetdevmacvlan.h"
#include "virnetdevtap.h"
#include "virnetdevveth.h"
#include "virnetlink.h"
#include "virsocketaddr.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_LXC

VIR_LOG_INIT("ct.net");

/* One interface on its way in: the name its container end has until it
 * is renamed inside. */
typedef struct {
    virDomainNetDef *net;
    char *inner;
} virCTNetPlug;

typedef struct {
    virCTNetPlug *plugs;
    size_t nplugs;
} virCTNetInside;

static void
virCTNetPlugsClear(virCTNetPlug *plugs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        g_free(plugs[i].inner);
    g_free(plugs);
}


/* ---- on the host --------------------------------------------------- */

static bool
virCTNetIsMacvlan(virDomainNetDef *net)
{
    return virDomainNetGetActualType(net) == VIR_DOMAIN_NET_TYPE_DIRECT;
}

/* The host end @host of a veth pair as a boot leaves it: on @bridge
 * (isolated if asked), up; for 'ethernet' with the host's addresses and
 * the script. */
static int
virCTNetSetupHostEnd(virDomainNetDef *net, const char *bridge, const char *host)
{
    if (net->mtu && virNetDevSetMTU(host, net->mtu) < 0)
        return -1;
    if (bridge) {
        if (virNetDevBridgeAddPort(bridge, host) < 0)
            return -1;
        if (virDomainNetGetActualPortOptionsIsolated(net) == VIR_TRISTATE_BOOL_YES &&
            virNetDevBridgePortSetIsolated(bridge, host, true) < 0)
            return -1;
    }
    if (virNetDevSetOnline(host, true) < 0)
        return -1;
    if (!bridge) {
        /* 'ethernet': the host end is the admin's, and the script's */
        if (virNetDevIPInfoAddToDev(host, &net->hostIP) < 0)
            return -1;
        if (net->script && virNetDevRunEthernetScript(host, net->script) < 0)
            return -1;
    }
    return 0;
}

static int
virCTNetCreateVeth(virDomainNetDef *net, const char *bridge, const char *peerName, char **inner)
{
    g_autofree char *host = g_strdup(net->ifname);
    g_autofree char *peer = g_strdup(peerName);

    if (virNetDevVethCreate(&host, &peer) < 0)
        return -1;
    /* from now on the stop removes the pair through its host end */
    g_free(net->ifname);
    net->ifname = g_strdup(host);

    if (virNetDevSetMAC(peer, &net->mac) < 0)
        return -1;
    if (net->mtu && virNetDevSetMTU(peer, net->mtu) < 0)
        return -1;
    if (virCTNetSetupHostEnd(net, bridge, host) < 0)
        return -1;
    g_free(*inner);
    *inner = g_steal_pointer(&peer);
    return 0;
}

/* A macvlan has no host end: it is only recorded once inside, so a
 * device of the same name made later on the host is never touched. */
static int
virCTNetCreateMacvlan(virDomainObj *vm, virDomainNetDef *net, char **inner)
{
    virCTDriver *driver = CT_DOMAIN_PRIVATE(vm)->driver;

    return virNetDevMacVLanCreateWithVPortProfile(
        NULL, &net->mac, virDomainNetGetActualDirectDev(net), virDomainNetGetActualDirectMode(net),
        NULL, vm->def->uuid, NULL, inner, VIR_NETDEV_VPORT_PROFILE_OP_CREATE,
        driver->config->stateDir, NULL, 0, 0);
}

/* Step 1: the port of a libvirt network. */
static int
virCTNetAllocate(virDomainObj *vm, virDomainNetDef *net)
{
    if (net->type == VIR_DOMAIN_NET_TYPE_NETWORK) {
        g_autoptr(virConnect) conn = virGetConnectNetwork();

        if (!conn || virDomainNetAllocateActualDevice(conn, vm->def, net) < 0)
            return -1;
    }
    return virDomainActualNetDefValidate(net);
}

/* Step 2, once the network's port is known; a veth's container end is
 * called *@inner if that is set. */
static int
virCTNetCreateAllocated(virDomainObj *vm, virDomainNetDef *net, char **inner)
{
    const virNetDevBandwidth *bandwidth;
    virDomainNetType type;

    switch ((type = virDomainNetGetActualType(net))) {
    case VIR_DOMAIN_NET_TYPE_NETWORK:
    case VIR_DOMAIN_NET_TYPE_BRIDGE:
        if (virCTNetCreateVeth(net, virDomainNetGetActualBridgeName(net), *inner, inner) < 0)
            return -1;
        break;
    case VIR_DOMAIN_NET_TYPE_ETHERNET:
        if (virCTNetCreateVeth(net, NULL, *inner, inner) < 0)
            return -1;
        break;
    case VIR_DOMAIN_NET_TYPE_DIRECT:
        if (virDomainNetGetActualBandwidth(net)) {
            virReportError(
                VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                _("<bandwidth> on a 'direct' interface is not supported: a macvlan device has no host end to shape"));
            return -1;
        }
        return virCTNetCreateMacvlan(vm, net, inner);
    default:
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("interface type '%1$s' is not supported by containers"),
                       virDomainNetTypeToString(type));
        return -1;
    }

    if ((bandwidth = virDomainNetGetActualBandwidth(net)) &&
        virCTBandwidthSet(net->ifname, bandwidth) < 0)
        return -1;
    return 0;
}

static int
virCTNetCreate(virDomainObj *vm, virDomainNetDef *net, char **inner)
{
    if (virCTNetAllocate(vm, net) < 0)
        return -1;
    return virCTNetCreateAllocated(vm, net, inner);
}

/* The lowest ethN that no other interface of @def is called. */
static void
virCTNetNameGuest(virDomainDef *def, virDomainNetDef *net)
{
    unsigned int n;
    size_t i;

    if (net->ifname_guest)
        return;
    for (n = 0;; n++) {
        g_autofree char *name = g_strdup_printf("eth%u", n);

        for (i = 0; i < def->nnets; i++) {
            if (def->nets[i] != net && STREQ_NULLABLE(def->nets[i]->ifname_guest, name))
                break;
        }
        if (i == def->nnets) {
            net->ifname_guest = g_steal_pointer(&name);
            return;
        }
    }
}

/* Steps 1-3 for one interface; the container end's name in @plug. */
static int
virCTNetPlugOne(virDomainObj *vm, virDomainNetDef *net, pid_t initPid, virCTNetPlug *plug)
{
    plug->net = net;
    if (virCTNetCreate(vm, net, &plug->inner) < 0)
        goto error;
    if (virNetDevSetNamespace(plug->inner, initPid) < 0)
        goto error;
    return 0;

 error:
    /* a macvlan still on the host is ours to remove; a veth goes with
     * its host end at the stop */
    if (plug->inner && virCTNetIsMacvlan(net) && virNetDevExists(plug->inner) == 1)
        ignore_value(virNetDevMacVLanDelete(plug->inner));
    return -1;
}


/* ---- inside -------------------------------------------------------- */

static int
virCTNetConfigureInside(void *opaque)
{
    virCTNetInside *job = opaque;
    size_t i;

    for (i = 0; i < job->nplugs; i++) {
        virDomainNetDef *net = job->plugs[i].net;
        const char *name = net->ifname_guest;

        if (virNetDevSetName(job->plugs[i].inner, name) < 0)
            return -1;
        /* routes through a gateway need the link up */
        if (virNetDevSetOnline(name, true) < 0 || virNetDevIPInfoAddToDev(name, &net->guestIP) < 0)
            return -1;
        if (net->linkstate == VIR_DOMAIN_NET_INTERFACE_LINK_STATE_DOWN &&
            virNetDevSetOnline(name, false) < 0)
            return -1;
    }
    return 0;
}

int
virCTNetStart(virDomainObj *vm, pid_t initPid)
{
    virCTNetInside job = { 0 };
    size_t i;
    int ret = -1;

    if (vm->def->nnets == 0)
        return 0;
    job.plugs = g_new0(virCTNetPlug, vm->def->nnets);
    for (i = 0; i < vm->def->nnets; i++) {
        virCTNetNameGuest(vm->def, vm->def->nets[i]);
        if (virCTNetPlugOne(vm, vm->def->nets[i], initPid, &job.plugs[job.nplugs]) < 0)
            goto cleanup;
        job.nplugs++;
    }
    ret = virCTNetnsRun(initPid, virCTNetConfigureInside, &job);

 cleanup:
    virCTNetPlugsClear(job.plugs, vm->def->nnets);
    return ret;
}

/* ---- restored ------------------------------------------------------- */

/* The name the container end of interface @i of @vm has on the host
 * during a restore, until CRIU moves it in: the same for the plan and
 * for sync point 3 (one restore of a domain at a time). */
static char *
virCTNetRestorePeer(virDomainObj *vm, size_t i)
{
    char uuid[VIR_UUID_STRING_BUFLEN];

    virUUIDFormat(vm->def->uuid, uuid);
    return g_strdup_printf("ctr%08x%zu", g_str_hash(uuid), i);
}

GPtrArray *
virCTNetPrepareRestore(virDomainObj *vm)
{
    g_autoptr(GPtrArray) externals = g_ptr_array_new_with_free_func(g_free);
    size_t i;

    for (i = 0; i < vm->def->nnets; i++) {
        virDomainNetDef *net = vm->def->nets[i];
        g_autofree char *peer = NULL;

        virCTNetNameGuest(vm->def, net);
        if (virCTNetAllocate(vm, net) < 0)
            return NULL;
        /* CRIU makes a macvlan on its parent itself */
        if (virCTNetIsMacvlan(net)) {
            g_ptr_array_add(externals, g_strdup_printf("macvlan[%s]:%s", net->ifname_guest,
                                                       virDomainNetGetActualDirectDev(net)));
            continue;
        }
        /* a veth pair made at sync point 3 (virCTNetStartRestore); CRIU
         * moves its container end in (a user namespace may not make a
         * pair with an end on the host) */
        peer = virCTNetRestorePeer(vm, i);
        g_ptr_array_add(externals, g_strdup_printf("netdev[%s]:%s", net->ifname_guest, peer));
    }
    return g_steal_pointer(&externals);
}

int
virCTNetStartRestore(virDomainObj *vm)
{
    size_t i;

    for (i = 0; i < vm->def->nnets; i++) {
        virDomainNetDef *net = vm->def->nets[i];
        g_autofree char *inner = NULL;

        if (virCTNetIsMacvlan(net))
            continue;
        inner = virCTNetRestorePeer(vm, i);
        if (virCTNetCreateAllocated(vm, net, &inner) < 0)
            return -1;
    }
    return 0;
}

/* ---- off ------------------------------------------------------------ */

typedef struct {
    const char *names[2];
} virCTNetDelete;

/* A macvlan is deleted where it is: inside. */
static int
virCTNetDeleteInside(void *opaque)
{
    virCTNetDelete *del = opaque;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(del->names); i++) {
        if (del->names[i] && virNetDevExists(del->names[i]) == 1)
            return virNetlinkDelLink(del->names[i], NULL);
    }
    return 0;
}

/* What the host holds for @net: its veth's host end, its network port.
 * Returns -1 (reported) when the host end cannot be removed. */
static int
virCTNetRelease(virDomainObj *vm, virDomainNetDef *net)
{
    int ret = 0;

    if (!virCTNetIsMacvlan(net) && net->ifname && virNetDevExists(net->ifname) == 1) {
        if (net->downscript && virDomainNetGetActualType(net) == VIR_DOMAIN_NET_TYPE_ETHERNET)
            ignore_value(virNetDevRunEthernetScript(net->ifname, net->downscript));
        if (virNetDevVethDelete(net->ifname) < 0)
            ret = -1;
    }
    if (!virCTNetIsMacvlan(net) && net->ifname)
        virCTBandwidthClear(net->ifname);
    if (net->type == VIR_DOMAIN_NET_TYPE_NETWORK && net->data.network.actual) {
        g_autoptr(virConnect) conn = virGetConnectNetwork();

        if (conn)
            virDomainNetReleaseActualDevice(conn, vm->def, net);
        else
            VIR_WARN("cannot give back the port of '%s' in network '%s': %s", vm->def->name,
                     net->data.network.name, virGetLastErrorMessage());
    }
    return ret;
}

void
virCTNetStop(virDomainObj *vm)
{
    virErrorPtr orig;
    size_t i;

    virErrorPreserveLast(&orig);
    for (i = 0; i < vm->def->nnets; i++) {
        if (virCTNetRelease(vm, vm->def->nets[i]) < 0) {
            VIR_WARN("cannot remove interface '%s' of '%s': %s", vm->def->nets[i]->ifname,
                     vm->def->name, virGetLastErrorMessage());
            virResetLastError();
        }
    }
    virErrorRestore(&orig);
}

void
virCTNetReconnect(virDomainObj *vm)
{
    g_autoptr(virConnect) conn = NULL;
    size_t i;

    for (i = 0; i < vm->def->nnets; i++) {
        virDomainNetDef *net = vm->def->nets[i];

        if (net->type != VIR_DOMAIN_NET_TYPE_NETWORK)
            continue;
        if (!conn && !(conn = virGetConnectNetwork()))
            break;
        virDomainNetNotifyActualDevice(conn, vm->def, net);
    }
    virResetLastError();
}

int
virCTNetAttach(virDomainObj *vm, virDomainNetDef *net)
{
    virCTNetPlug plug = { 0 };
    virCTNetInside job = { .plugs = &plug, .nplugs = 1 };
    virErrorPtr orig;

    virCTNetNameGuest(vm->def, net);
    if (virCTNetPlugOne(vm, net, vm->def->id, &plug) == 0 &&
        virCTNetnsRun(vm->def->id, virCTNetConfigureInside, &job) == 0) {
        g_free(plug.inner);
        return 0;
    }

    virErrorPreserveLast(&orig);
    if (plug.inner && virCTNetIsMacvlan(net)) {
        virCTNetDelete del = { { plug.inner, net->ifname_guest } };

        ignore_value(virCTNetnsRun(vm->def->id, virCTNetDeleteInside, &del));
    }
    ignore_value(virCTNetRelease(vm, net));
    virErrorRestore(&orig);
    g_free(plug.inner);
    return -1;
}

int
virCTNetDetach(virDomainObj *vm, virDomainNetDef *net)
{
    if (virCTNetIsMacvlan(net)) {
        virCTNetDelete del = { { net->ifname_guest, NULL } };

        if (virCTNetnsRun(vm->def->id, virCTNetDeleteInside, &del) < 0)
            return -1;
    }
    return virCTNetRelease(vm, net);
}


/* ---- link state, counters, addresses --------------------------------- */

typedef struct {
    const char *name;
    bool up;
} virCTNetLink;

static int
virCTNetSetLinkInside(void *opaque)
{
    virCTNetLink *link = opaque;

    return virNetDevSetOnline(link->name, link->up);
}

int
virCTNetSetLinkState(virDomainObj *vm, virDomainNetDef *net, int linkstate)
{
    virCTNetLink link = { net->ifname_guest,
                          linkstate != VIR_DOMAIN_NET_INTERFACE_LINK_STATE_DOWN };

    return virCTNetnsRun(vm->def->id, virCTNetSetLinkInside, &link);
}

typedef struct {
    const char *name;
    virDomainInterfaceStatsPtr stats;
} virCTNetStatsJob;

/* getifaddrs() asks netlink, which answers for this thread's namespace
 * (libvirt's reader of /proc/net/dev would see the daemon's). */
static int
virCTNetStatsInside(void *opaque)
{
    virCTNetStatsJob *job = opaque;
    struct ifaddrs *list = NULL;
    struct ifaddrs *ifa;
    int ret = -1;

    if (getifaddrs(&list) < 0) {
        virReportSystemError(errno, "%s", _("cannot list the container's interfaces"));
        return -1;
    }
    for (ifa = list; ifa; ifa = ifa->ifa_next) {
        const struct rtnl_link_stats *st = ifa->ifa_data;

        if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_PACKET || !st ||
            STRNEQ(ifa->ifa_name, job->name))
            continue;
        job->stats->rx_bytes = st->rx_bytes;
        job->stats->rx_packets = st->rx_packets;
        job->stats->rx_errs = st->rx_errors;
        job->stats->rx_drop = st->rx_dropped;
        job->stats->tx_bytes = st->tx_bytes;
        job->stats->tx_packets = st->tx_packets;
        job->stats->tx_errs = st->tx_errors;
        job->stats->tx_drop = st->tx_dropped;
        ret = 0;
        break;
    }
    freeifaddrs(list);
    if (ret < 0)
        virReportError(VIR_ERR_INTERNAL_ERROR, _("no interface '%1$s' in the container"),
                       job->name);
    return ret;
}

int
virCTNetGetStats(virDomainObj *vm, virDomainNetDef *net, virDomainInterfaceStatsPtr stats)
{
    virCTNetStatsJob job = { net->ifname_guest, stats };

    if (virCTNetIsMacvlan(net)) {
        pid_t initPid = virCTProcessInitPid(vm);

        return initPid < 0 ? -1 : virCTNetnsRun(initPid, virCTNetStatsInside, &job);
    }
    if (!net->ifname) {
        virReportError(VIR_ERR_OPERATION_INVALID, "%s", _("the interface has no host end"));
        return -1;
    }
    /* the host end sends what the container receives */
    return virNetDevTapInterfaceStats(net->ifname, stats, true);
}

static void
virCTNetAddAddress(virDomainInterfacePtr iface, int family, const char *addr, unsigned int prefix)
{
    virDomainIPAddressPtr ip;

    iface->addrs = g_renew(virDomainIPAddress, iface->addrs, iface->naddrs + 1);
    ip = &iface->addrs[iface->naddrs++];
    ip->type = family == AF_INET6 ? VIR_IP_ADDR_TYPE_IPV6 : VIR_IP_ADDR_TYPE_IPV4;
    ip->addr = g_strdup(addr);
    ip->prefix = prefix;
}

static virDomainInterfacePtr
virCTNetNewInterface(const char *name, const virMacAddr *mac)
{
    virDomainInterfacePtr iface = g_new0(virDomainInterface, 1);
    char macstr[VIR_MAC_STRING_BUFLEN];

    iface->name = g_strdup(name);
    if (mac)
        iface->hwaddr = g_strdup(virMacAddrFormat(mac, macstr));
    return iface;
}

/* LEASE: what the definition and the network's DHCP server know. */
static int
virCTNetLeaseAddresses(virDomainNetDef *net, virDomainInterfacePtr iface)
{
    size_t i;

    for (i = 0; i < net->guestIP.nips; i++) {
        virNetDevIPAddr *ip = net->guestIP.ips[i];
        g_autofree char *addr = virSocketAddrFormat(&ip->address);

        if (!addr)
            return -1;
        virCTNetAddAddress(iface, VIR_SOCKET_ADDR_FAMILY(&ip->address), addr,
                           ip->prefix ? ip->prefix
                                      : virSocketAddrGetIPPrefix(&ip->address, NULL, 0));
    }
    if (net->type == VIR_DOMAIN_NET_TYPE_NETWORK) {
        g_autoptr(virConnect) conn = virGetConnectNetwork();
        g_autoptr(virNetwork) network = NULL;
        virNetworkDHCPLeasePtr *leases = NULL;
        int n;

        if (!conn || !(network = virNetworkLookupByName(conn, net->data.network.name)) ||
            (n = virNetworkGetDHCPLeases(network, iface->hwaddr, &leases, 0)) < 0)
            return -1;
        for (i = 0; i < n; i++) {
            virCTNetAddAddress(iface, leases[i]->type == VIR_IP_ADDR_TYPE_IPV6 ? AF_INET6 : AF_INET,
                               leases[i]->ipaddr, leases[i]->prefix);
            virNetworkDHCPLeaseFree(leases[i]);
        }
        g_free(leases);
    }
    return 0;
}

/* ARP: the host's IPv4 neighbours with the interface's MAC, from
 * /proc/net/arp (libvirt 9.0's netlink reader fails on this kernel:
 * "wrong nlmsg len").  Lines: "IP type flags MAC mask device". */
static void
virCTNetArpAddresses(char **lines, virDomainInterfacePtr iface)
{
    size_t i;

    for (i = 1; lines && lines[i]; i++) {
        char ip[64], mac[32];

        if (sscanf(lines[i], "%63s %*s %*s %31s", ip, mac) == 2 && STRCASEEQ(mac, iface->hwaddr))
            virCTNetAddAddress(iface, AF_INET, ip, 0);
    }
}

typedef struct {
    virDomainInterfacePtr *ifaces;
    size_t nifaces;
} virCTNetAgentJob;

static virDomainInterfacePtr
virCTNetAgentFind(virCTNetAgentJob *job, const char *name)
{
    virDomainInterfacePtr iface;
    size_t i;

    for (i = 0; i < job->nifaces; i++) {
        if (STREQ(job->ifaces[i]->name, name))
            return job->ifaces[i];
    }
    iface = virCTNetNewInterface(name, NULL);
    VIR_APPEND_ELEMENT(job->ifaces, job->nifaces, iface);
    return job->ifaces[job->nifaces - 1];
}

static unsigned int
virCTNetMaskPrefix(const struct sockaddr *mask)
{
    virSocketAddr addr = { 0 };

    if (!mask)
        return 0;
    addr.len =
        mask->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    memcpy(&addr.data, mask, addr.len);
    return MAX(virSocketAddrGetNumNetmaskBits(&addr), 0);
}

/* AGENT: every interface and address as the container sees them. */
static int
virCTNetAgentInside(void *opaque)
{
    virCTNetAgentJob *job = opaque;
    struct ifaddrs *list = NULL;
    struct ifaddrs *ifa;

    if (getifaddrs(&list) < 0) {
        virReportSystemError(errno, "%s", _("cannot list the container's addresses"));
        return -1;
    }
    for (ifa = list; ifa; ifa = ifa->ifa_next) {
        virDomainInterfacePtr iface;
        virSocketAddr addr = { 0 };
        g_autofree char *str = NULL;
        int family = ifa->ifa_addr ? ifa->ifa_addr->sa_family : AF_UNSPEC;

        if (family != AF_PACKET && family != AF_INET && family != AF_INET6)
            continue;
        iface = virCTNetAgentFind(job, ifa->ifa_name);
        if (family == AF_PACKET) {
            struct sockaddr_ll *ll = (struct sockaddr_ll *)ifa->ifa_addr;
            virMacAddr mac;
            char macstr[VIR_MAC_STRING_BUFLEN];

            if (ll->sll_halen == VIR_MAC_BUFLEN && !iface->hwaddr) {
                virMacAddrSetRaw(&mac, ll->sll_addr);
                iface->hwaddr = g_strdup(virMacAddrFormat(&mac, macstr));
            }
            continue;
        }
        addr.len = family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
        memcpy(&addr.data, ifa->ifa_addr, addr.len);
        if ((str = virSocketAddrFormat(&addr)))
            virCTNetAddAddress(iface, family, str, virCTNetMaskPrefix(ifa->ifa_netmask));
    }
    freeifaddrs(list);
    return 0;
}

int
virCTNetGetAddresses(virDomainObj *vm, unsigned int source, virDomainInterfacePtr **ifaces)
{
    g_autofree char *arp = NULL;
    g_auto(GStrv) lines = NULL;
    virCTNetAgentJob job = { 0 };
    size_t i;

    if (source == VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT) {
        pid_t initPid = virCTProcessInitPid(vm);

        if (initPid < 0 || virCTNetnsRun(initPid, virCTNetAgentInside, &job) < 0)
            goto error;
        *ifaces = job.ifaces;
        return job.nifaces;
    }
    if (source == VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP) {
        if (virFileReadAll("/proc/net/arp", 1024 * 1024, &arp) < 0)
            goto error;
        lines = g_strsplit(arp, "\n", 0);
    }
    for (i = 0; i < vm->def->nnets; i++) {
        virDomainNetDef *net = vm->def->nets[i];
        virDomainInterfacePtr iface =
            virCTNetNewInterface(net->ifname ? net->ifname : net->ifname_guest, &net->mac);

        /* VIR_APPEND_ELEMENT clears @iface */
        VIR_APPEND_ELEMENT(job.ifaces, job.nifaces, iface);
        iface = job.ifaces[job.nifaces - 1];
        if (source == VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP)
            virCTNetArpAddresses(lines, iface);
        else if (virCTNetLeaseAddresses(net, iface) < 0)
            goto error;
    }
    *ifaces = job.ifaces;
    return job.nifaces;

 error:
    for (i = 0; i < job.nifaces; i++)
        virDomainInterfaceFree(job.ifaces[i]);
    g_free(job.ifaces);
    return -1;
}
