/* A local process a prober asks on its UNIX socket: a vhost-user backend,
 * Open vSwitch's database. Its answer decides pins, so who may give it
 * matters: a socket that is not a socket, or whose file or directory
 * belongs to another user (who could answer anything), is refused before
 * connecting. Every wait is bounded by one deadline for the whole
 * conversation: the hook asks too, and must never hang on a peer. */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <time.h>

#include "util/macro.h"

typedef struct {
    const char *path;
    /* the socket as every message names it: "vhost-user socket /run/vu.sock" */
    const char *label;
    /* who should listen, for the hints: "its backend", "ovsdb-server" */
    const char *server;
    struct timespec start; /* the conversation's start: its deadline counts from here */
    long timeout_ms;
} AbipinPeer;

void abipin_peer_init(AbipinPeer *peer, const char *path, const char *label, const char *server,
                      long timeout_ms);
int abipin_peer_check(const AbipinPeer *peer) _warn_unused_result_;
int abipin_peer_wait(const AbipinPeer *peer, int fd, short events) _warn_unused_result_;
int abipin_peer_connect(const AbipinPeer *peer, int *ret_fd) _warn_unused_result_;
