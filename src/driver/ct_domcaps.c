/*
 * ct_domcaps.c: what a container can be, as virConnectGetDomainCapabilities
 * reports it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Clients look device kinds up by name and some fail on an absent one
 * (Nova's video model traits), so every kind libvirt knows is reported:
 * supported='yes' with its values where a container has it, 'no' where
 * it has not.  A container runs the host's CPU and kernel: no firmware,
 * no CPU model to choose, no machine features.
 */

#include <config.h>

#include "ct_domcaps.h"

#include "domain_capabilities.h"
#include "virbuffer.h"
#include "virhostcpu.h"

#define VIR_FROM_THIS VIR_FROM_LXC

/* Device kinds newer than the libvirt this driver is built with (9.0),
 * whose formatter cannot emit them: in the shape later libvirt gives them.
 * Interfaces are supported (bridge, network, ethernet, direct, all with
 * the default back end); a crypto device is not. */
static const char ctDomainCapsNewerDevices[] = "    <interface supported='yes'>\n"
                                               "      <enum name='backendType'>\n"
                                               "        <value>default</value>\n"
                                               "      </enum>\n"
                                               "    </interface>\n"
                                               "    <crypto supported='no'/>\n";

static void
virCTDomainCapsFill(virDomainCaps *caps)
{
    size_t i;

    caps->maxvcpus = virHostCPUGetCount();
    caps->os.supported = VIR_TRISTATE_BOOL_YES; /* <os><type>exe</type><init> */
    caps->os.loader.supported = VIR_TRISTATE_BOOL_NO;
    caps->memoryBacking.supported = VIR_TRISTATE_BOOL_NO;

    caps->disk.supported = VIR_TRISTATE_BOOL_NO;
    caps->graphics.supported = VIR_TRISTATE_BOOL_NO;
    caps->video.supported = VIR_TRISTATE_BOOL_NO;
    caps->hostdev.supported = VIR_TRISTATE_BOOL_NO;
    caps->rng.supported = VIR_TRISTATE_BOOL_NO;
    caps->tpm.supported = VIR_TRISTATE_BOOL_NO;
    caps->redirdev.supported = VIR_TRISTATE_BOOL_NO;
    caps->channel.supported = VIR_TRISTATE_BOOL_NO;

    /* mount, bind and ram filesystems: the kernel's own mounts, which
     * libvirt's format calls driver 'path' (it has no enum of types) */
    caps->filesystem.supported = VIR_TRISTATE_BOOL_YES;
    caps->filesystem.driverType.report = true;
    VIR_DOMAIN_CAPS_ENUM_SET(caps->filesystem.driverType, VIR_DOMAIN_FS_DRIVER_TYPE_PATH);

    for (i = 0; i < VIR_DOMAIN_CAPS_FEATURE_LAST; i++)
        caps->features[i] = VIR_TRISTATE_BOOL_NO;
    caps->gic.supported = VIR_TRISTATE_BOOL_NO;
}

/* Puts ctDomainCapsNewerDevices at the end of <devices>. */
static char *
virCTDomainCapsAddNewerDevices(const char *xml)
{
    const char *end = strstr(xml, "  </devices>\n");
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;

    if (!end) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("domain capabilities without a <devices> element"));
        return NULL;
    }
    virBufferAdd(&buf, xml, end - xml);
    virBufferAdd(&buf, ctDomainCapsNewerDevices, -1);
    virBufferAdd(&buf, end, -1);
    return virBufferContentAndReset(&buf);
}

char *
virCTDomainCapsFormat(const char *emulator, const char *machine, virArch arch)
{
    g_autoptr(virDomainCaps) caps = NULL;
    g_autofree char *xml = NULL;

    if (!(caps = virDomainCapsNew(emulator, machine, arch, VIR_DOMAIN_VIRT_LXC)))
        return NULL;
    virCTDomainCapsFill(caps);
    if (!(xml = virDomainCapsFormat(caps)))
        return NULL;
    return virCTDomainCapsAddNewerDevices(xml);
}
