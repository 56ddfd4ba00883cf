/*
 * ct_bandwidth.c: <bandwidth> of a container's interface with tc
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "ct_bandwidth.h"

#include "vircommand.h"
#include "virerror.h"
#include "virlog.h"
#include "virnetdev.h"
#include "virnetlink.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.bandwidth");

/* "ifb<host end>", or a hash of a name too long for that (IFNAMSIZ). */
static char *
virCTBandwidthIfbName(const char *ifname)
{
    if (strlen(ifname) + 3 < IFNAMSIZ)
        return g_strdup_printf("ifb%s", ifname);
    return g_strdup_printf("ifbct%08x", g_str_hash(ifname));
}

static int
virCTBandwidthRun(const char *const *argv)
{
    g_autoptr(virCommand) cmd = virCommandNewArgs(argv);

    return virCommandRun(cmd, NULL);
}

/* An htb root on @dev whose one class holds all traffic to @rate. */
static int
virCTBandwidthShape(const char *dev, const virNetDevBandwidthRate *rate)
{
    g_autofree char *average = g_strdup_printf("%llukbps", rate->average);
    g_autofree char *peak = g_strdup_printf("%llukbps", rate->peak ? rate->peak : rate->average);
    g_autofree char *burst = rate->burst ? g_strdup_printf("%llukb", rate->burst) : NULL;
    const char *qdisc[] = { "tc",     "qdisc", "add", "dev",     dev, "root",
                            "handle", "1:",    "htb", "default", "1", NULL };
    const char *class[] = { "tc",     "class", "add",     "dev", dev,
                            "parent", "1:",    "classid", "1:1", "htb",
                            "rate",   average, "ceil",    peak,  burst ? "burst" : NULL,
                            burst,    NULL };

    return virCTBandwidthRun(qdisc) < 0 || virCTBandwidthRun(class) < 0 ? -1 : 0;
}

static int
virCTBandwidthShapeIngress(const char *ifname, const virNetDevBandwidthRate *rate)
{
    g_autofree char *ifb = virCTBandwidthIfbName(ifname);
    const char *create[] = { "ip", "link", "add", "name", ifb, "type", "ifb", NULL };
    const char *ingress[] = { "tc",     "qdisc", "add",     "dev", ifname,
                              "handle", "ffff:", "ingress", NULL };
    const char *redirect[] = { "tc",    "filter",   "add",    "dev",    ifname,   "parent",
                               "ffff:", "protocol", "all",    "u32",    "match",  "u32",
                               "0",     "0",        "action", "mirred", "egress", "redirect",
                               "dev",   ifb,        NULL };

    if (virCTBandwidthRun(create) < 0 || virNetDevSetOnline(ifb, true) < 0 ||
        virCTBandwidthShape(ifb, rate) < 0)
        return -1;
    if (virCTBandwidthRun(ingress) < 0 || virCTBandwidthRun(redirect) < 0)
        return -1;
    return 0;
}

int
virCTBandwidthSet(const char *ifname, const virNetDevBandwidth *bandwidth)
{
    if (bandwidth->in && bandwidth->in->average && virCTBandwidthShape(ifname, bandwidth->in) < 0)
        return -1;
    if (bandwidth->out && bandwidth->out->average &&
        virCTBandwidthShapeIngress(ifname, bandwidth->out) < 0)
        return -1;
    return 0;
}

void
virCTBandwidthClear(const char *ifname)
{
    g_autofree char *ifb = virCTBandwidthIfbName(ifname);

    if (virNetDevExists(ifb) == 1 && virNetlinkDelLink(ifb, NULL) < 0) {
        VIR_WARN("cannot remove '%s': %s", ifb, virGetLastErrorMessage());
        virResetLastError();
    }
}
