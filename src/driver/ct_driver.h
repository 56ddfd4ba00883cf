/*
 * ct_driver.h: registration of the CT driver
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

/* The only symbol the module exports: libvirt's virDriverLoadModule()
 * calls it when virtctd starts or when ct:///embed is opened. */
int ctRegister(void);
