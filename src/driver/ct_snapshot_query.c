/*
 * ct_snapshot_query.c: looking at the snapshots of a container (virsh
 * snapshot-list, -info, -dumpxml, -current, -parent)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every entry point reads vm->snapshots with the domain locked, without
 * a job: nothing here changes a snapshot.
 */

#include <config.h>

#include "ct_domain.h"
#include "ct_domain_api.h"
#include "ct_snapshot.h"
#include "ct_snapshot_priv.h"

#include "datatypes.h"
#include "snapshot_conf.h"
#include "viraccessapicheck.h"
#include "virdomainsnapshotobjlist.h"
#include "virerror.h"
#include "viruuid.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN_SNAPSHOT

int
ctDomainSnapshotNum(virDomainPtr dom, unsigned int flags)
{
    virDomainObj *vm;
    int n = -1;

    virCheckFlags(VIR_DOMAIN_SNAPSHOT_LIST_ROOTS | VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL |
                      VIR_DOMAIN_SNAPSHOT_FILTERS_ALL,
                  -1);
    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainSnapshotNumEnsureACL(dom->conn, vm->def) == 0)
        n = virDomainSnapshotObjListNum(vm->snapshots, NULL, flags);
    virDomainObjEndAPI(&vm);
    return n;
}

int
ctDomainSnapshotListNames(virDomainPtr dom, char **names, int nameslen, unsigned int flags)
{
    virDomainObj *vm;
    int n = -1;

    virCheckFlags(VIR_DOMAIN_SNAPSHOT_LIST_ROOTS | VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL |
                      VIR_DOMAIN_SNAPSHOT_FILTERS_ALL,
                  -1);
    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainSnapshotListNamesEnsureACL(dom->conn, vm->def) == 0)
        n = virDomainSnapshotObjListGetNames(vm->snapshots, NULL, names, nameslen, flags);
    virDomainObjEndAPI(&vm);
    return n;
}

int
ctDomainListAllSnapshots(virDomainPtr dom, virDomainSnapshotPtr **snaps, unsigned int flags)
{
    virDomainObj *vm;
    int n = -1;

    virCheckFlags(VIR_DOMAIN_SNAPSHOT_LIST_ROOTS | VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL |
                      VIR_DOMAIN_SNAPSHOT_FILTERS_ALL,
                  -1);
    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainListAllSnapshotsEnsureACL(dom->conn, vm->def) == 0)
        n = virDomainListSnapshots(vm->snapshots, NULL, dom, snaps, flags);
    virDomainObjEndAPI(&vm);
    return n;
}

/* The locked domain of @snapshot and the snapshot in it, or NULL. */
static virDomainMomentObj *
ctSnapLookup(virDomainSnapshotPtr snapshot, virDomainObj **vm)
{
    virDomainMomentObj *snap;

    if (!(*vm = ctDomObjFromDomain(snapshot->domain)))
        return NULL;
    if (!(snap = virCTSnapshotObjFromName(*vm, snapshot->name)))
        virDomainObjEndAPI(vm);
    return snap;
}

int
ctDomainSnapshotNumChildren(virDomainSnapshotPtr snapshot, unsigned int flags)
{
    virDomainMomentObj *snap;
    virDomainObj *vm = NULL;
    int n = -1;

    virCheckFlags(VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS | VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL |
                      VIR_DOMAIN_SNAPSHOT_FILTERS_ALL,
                  -1);
    if (!(snap = ctSnapLookup(snapshot, &vm)))
        return -1;
    if (virDomainSnapshotNumChildrenEnsureACL(snapshot->domain->conn, vm->def) == 0)
        n = virDomainSnapshotObjListNum(vm->snapshots, snap, flags);
    virDomainObjEndAPI(&vm);
    return n;
}

int
ctDomainSnapshotListChildrenNames(virDomainSnapshotPtr snapshot, char **names, int nameslen,
                                  unsigned int flags)
{
    virDomainMomentObj *snap;
    virDomainObj *vm = NULL;
    int n = -1;

    virCheckFlags(VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS | VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL |
                      VIR_DOMAIN_SNAPSHOT_FILTERS_ALL,
                  -1);
    if (!(snap = ctSnapLookup(snapshot, &vm)))
        return -1;
    if (virDomainSnapshotListChildrenNamesEnsureACL(snapshot->domain->conn, vm->def) == 0)
        n = virDomainSnapshotObjListGetNames(vm->snapshots, snap, names, nameslen, flags);
    virDomainObjEndAPI(&vm);
    return n;
}

int
ctDomainSnapshotListAllChildren(virDomainSnapshotPtr snapshot, virDomainSnapshotPtr **snaps,
                                unsigned int flags)
{
    virDomainMomentObj *snap;
    virDomainObj *vm = NULL;
    int n = -1;

    virCheckFlags(VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS | VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL |
                      VIR_DOMAIN_SNAPSHOT_FILTERS_ALL,
                  -1);
    if (!(snap = ctSnapLookup(snapshot, &vm)))
        return -1;
    if (virDomainSnapshotListAllChildrenEnsureACL(snapshot->domain->conn, vm->def) == 0)
        n = virDomainListSnapshots(vm->snapshots, snap, snapshot->domain, snaps, flags);
    virDomainObjEndAPI(&vm);
    return n;
}

virDomainSnapshotPtr
ctDomainSnapshotLookupByName(virDomainPtr dom, const char *name, unsigned int flags)
{
    virDomainSnapshotPtr ret = NULL;
    virDomainObj *vm;

    virCheckFlags(0, NULL);
    if (!(vm = ctDomObjFromDomain(dom)))
        return NULL;
    if (virDomainSnapshotLookupByNameEnsureACL(dom->conn, vm->def) == 0 &&
        virCTSnapshotObjFromName(vm, name))
        ret = virGetDomainSnapshot(dom, name);
    virDomainObjEndAPI(&vm);
    return ret;
}

int
ctDomainHasCurrentSnapshot(virDomainPtr dom, unsigned int flags)
{
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(0, -1);
    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainHasCurrentSnapshotEnsureACL(dom->conn, vm->def) == 0)
        ret = virDomainSnapshotGetCurrent(vm->snapshots) != NULL;
    virDomainObjEndAPI(&vm);
    return ret;
}

virDomainSnapshotPtr
ctDomainSnapshotGetParent(virDomainSnapshotPtr snapshot, unsigned int flags)
{
    virDomainSnapshotPtr parent = NULL;
    virDomainMomentObj *snap;
    virDomainObj *vm = NULL;

    virCheckFlags(0, NULL);
    if (!(snap = ctSnapLookup(snapshot, &vm)))
        return NULL;
    if (virDomainSnapshotGetParentEnsureACL(snapshot->domain->conn, vm->def) < 0)
        goto cleanup;
    if (!snap->def->parent_name) {
        virReportError(VIR_ERR_NO_DOMAIN_SNAPSHOT, _("snapshot '%1$s' does not have a parent"),
                       snap->def->name);
        goto cleanup;
    }
    parent = virGetDomainSnapshot(snapshot->domain, snap->def->parent_name);

 cleanup:
    virDomainObjEndAPI(&vm);
    return parent;
}

virDomainSnapshotPtr
ctDomainSnapshotCurrent(virDomainPtr dom, unsigned int flags)
{
    virDomainSnapshotPtr ret = NULL;
    virDomainMomentObj *current;
    virDomainObj *vm;

    virCheckFlags(0, NULL);
    if (!(vm = ctDomObjFromDomain(dom)))
        return NULL;
    if (virDomainSnapshotCurrentEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (!(current = virDomainSnapshotGetCurrent(vm->snapshots))) {
        virReportError(VIR_ERR_NO_DOMAIN_SNAPSHOT, "%s",
                       _("the domain does not have a current snapshot"));
        goto cleanup;
    }
    ret = virGetDomainSnapshot(dom, current->def->name);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

char *
ctDomainSnapshotGetXMLDesc(virDomainSnapshotPtr snapshot, unsigned int flags)
{
    virCTDriver *driver = snapshot->domain->conn->privateData;
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    virDomainMomentObj *snap;
    virDomainObj *vm = NULL;
    char *xml = NULL;

    virCheckFlags(VIR_DOMAIN_SNAPSHOT_XML_SECURE, NULL);
    if (!(snap = ctSnapLookup(snapshot, &vm)))
        return NULL;
    if (virDomainSnapshotGetXMLDescEnsureACL(snapshot->domain->conn, vm->def, flags) == 0) {
        virUUIDFormat(snapshot->domain->uuid, uuidstr);
        xml = virDomainSnapshotDefFormat(uuidstr, virDomainSnapshotObjGetDef(snap), driver->xmlopt,
                                         virDomainSnapshotFormatConvertXMLFlags(flags));
    }
    virDomainObjEndAPI(&vm);
    return xml;
}

int
ctDomainSnapshotIsCurrent(virDomainSnapshotPtr snapshot, unsigned int flags)
{
    virDomainMomentObj *snap;
    virDomainObj *vm = NULL;
    int ret = -1;

    virCheckFlags(0, -1);
    if (!(snap = ctSnapLookup(snapshot, &vm)))
        return -1;
    if (virDomainSnapshotIsCurrentEnsureACL(snapshot->domain->conn, vm->def) == 0)
        ret = snap == virDomainSnapshotGetCurrent(vm->snapshots);
    virDomainObjEndAPI(&vm);
    return ret;
}

int
ctDomainSnapshotHasMetadata(virDomainSnapshotPtr snapshot, unsigned int flags)
{
    virDomainObj *vm = NULL;
    int ret = -1;

    virCheckFlags(0, -1);
    if (!ctSnapLookup(snapshot, &vm))
        return -1;
    /* every snapshot here is libvirt's: its metadata is what it is */
    if (virDomainSnapshotHasMetadataEnsureACL(snapshot->domain->conn, vm->def) == 0)
        ret = 1;
    virDomainObjEndAPI(&vm);
    return ret;
}
