/*
 * ct_migrate.h: migration of containers between hosts (libvirt's
 * migration protocol version 3 with parameters)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Offline (a defined container that does not run: definition and layer)
 * and live (a running one: its layer and a CRIU checkpoint of its
 * processes), driven by the client (managed), by the source daemon
 * (--p2p) or through the libvirt connection (--p2p --tunnelled).  The
 * source's processes wait, stopped at CRIU's post-dump point, until the
 * destination says it took over (Confirm): a failure anywhere lets them
 * run on where they were.  See docs/design.md, "Migration".
 */

#pragma once

#include "internal.h"

char *ctDomainMigrateBegin3Params(virDomainPtr dom, virTypedParameterPtr params, int nparams,
                                  char **cookieout, int *cookieoutlen, unsigned int flags);
int ctDomainMigratePrepare3Params(virConnectPtr dconn, virTypedParameterPtr params, int nparams,
                                  const char *cookiein, int cookieinlen, char **cookieout,
                                  int *cookieoutlen, char **uri_out, unsigned int flags);
int ctDomainMigratePrepareTunnel3Params(virConnectPtr dconn, virStreamPtr st,
                                        virTypedParameterPtr params, int nparams,
                                        const char *cookiein, int cookieinlen, char **cookieout,
                                        int *cookieoutlen, unsigned int flags);
int ctDomainMigratePerform3Params(virDomainPtr dom, const char *dconnuri,
                                  virTypedParameterPtr params, int nparams, const char *cookiein,
                                  int cookieinlen, char **cookieout, int *cookieoutlen,
                                  unsigned int flags);
virDomainPtr ctDomainMigrateFinish3Params(virConnectPtr dconn, virTypedParameterPtr params,
                                          int nparams, const char *cookiein, int cookieinlen,
                                          char **cookieout, int *cookieoutlen, unsigned int flags,
                                          int cancelled);
int ctDomainMigrateConfirm3Params(virDomainPtr dom, virTypedParameterPtr params, int nparams,
                                  const char *cookiein, int cookieinlen, unsigned int flags,
                                  int cancelled);
int ctDomainMigrateGetMaxSpeed(virDomainPtr dom, unsigned long *bandwidth, unsigned int flags);
int ctDomainMigrateSetMaxSpeed(virDomainPtr dom, unsigned long bandwidth, unsigned int flags);
int ctDomainAbortJob(virDomainPtr dom);

/* The incoming migrations prepared on @conn are canceled (its client
 * went away). */
void virCTMigrateConnClosed(virConnectPtr conn);
