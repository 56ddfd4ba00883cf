/*
 * ct_migrate_stream.h: the data of a migration, in frames a one-time key
 * vouches for
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What moves from the source daemon to the destination (a container's
 * layer, its checkpoint) goes over a TCP connection of its own or through
 * the libvirt connection (tunnelled).  Whoever reaches the port could
 * send anything, and what arrives is unpacked and handed to CRIU as
 * root: so every frame carries an HMAC-SHA256 under a key the
 * destination made for this one migration (it travels in the migration
 * cookie, over the authenticated libvirt connections) and a sequence
 * number; a frame that does not check out ends the migration.
 *
 * A frame: type (1 byte), length (4 bytes, big endian, at most
 * CT_MIGRATE_FRAME_MAX), the data, then the MAC of (sequence number,
 * type, length, data).
 */

#pragma once

#include "internal.h"

#define CT_MIGRATE_KEY_LEN 32
#define CT_MIGRATE_FRAME_MAX (1024 * 1024)

/* Frame types: H, the layer's (ct_migrate_layer.c) of the first pass,
 * then (live) those of the second, the checkpoint's, M, E. */
#define CT_MIGRATE_FRAME_HELLO 'H' /* the domain's UUID */
#define CT_MIGRATE_FRAME_RECORD 'K' /* the layer's layer.conf */
#define CT_MIGRATE_FRAME_LAYER 'L' /* tar of the upper directory, in pieces */
#define CT_MIGRATE_FRAME_LAYER_END 'l' /* (one tar each pass) */
#define CT_MIGRATE_FRAME_SIZE 'S' /* the disk image's size */
#define CT_MIGRATE_FRAME_BLOCK 'B' /* offset and data of the disk image */
#define CT_MIGRATE_FRAME_HOLE 'Z' /* offset and length of a hole in it */
#define CT_MIGRATE_FRAME_CHECKPOINT 'C' /* tar of CRIU's files, in pieces */
#define CT_MIGRATE_FRAME_CHECKPOINT_END 'c'
#define CT_MIGRATE_FRAME_META 'M' /* the restore's plan lines */
#define CT_MIGRATE_FRAME_END 'E'

typedef struct _virCTMigrateStream virCTMigrateStream;

/* A stream on @fd (not owned) under @key.  @bandwidth in MiB/s limits
 * what is written (0: no limit); @bytes, when given, counts the bytes
 * that went through (atomically, for the job's figures). */
virCTMigrateStream *virCTMigrateStreamNew(int fd, const unsigned char *key, unsigned long bandwidth,
                                          unsigned long long *bytes);
void virCTMigrateStreamFree(virCTMigrateStream *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCTMigrateStream, virCTMigrateStreamFree);

/* Frames go through the libvirt stream @st (tunnelled) instead of fd. */
void virCTMigrateStreamSetVirStream(virCTMigrateStream *s, virStreamPtr st);

/* Reading stops with an error when @cancelFd becomes readable (-1:
 * never) or after @timeout seconds without data; writing stops when
 * *@abort becomes true (NULL: never). */
void virCTMigrateStreamSetCancel(virCTMigrateStream *s, int cancelFd, const bool *abort,
                                 unsigned int timeout);

/* Changes the bandwidth limit of a stream being written. */
void virCTMigrateStreamSetBandwidth(virCTMigrateStream *s, unsigned long bandwidth);

/* Writes one frame.  Returns 0 or -1 with an error. */
int virCTMigrateStreamWrite(virCTMigrateStream *s, char type, const void *data, size_t len);

/* Writes what can be read from @fd until its end, in frames of @type.
 * Returns 0 or -1 with an error. */
int virCTMigrateStreamWriteFrom(virCTMigrateStream *s, char type, int fd);

/* Reads one frame into @buf (CT_MIGRATE_FRAME_MAX bytes); its type in
 * *@type, its length in *@len.  Returns 0, or -1 with an error (end of
 * data, a frame whose MAC or sequence is wrong, the timeout without
 * data, the cancel descriptor). */
int virCTMigrateStreamRead(virCTMigrateStream *s, char *type, char *buf, size_t *len);

/* A new random key. */
int virCTMigrateKeyNew(unsigned char *key);
