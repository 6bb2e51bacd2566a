#ifndef ESOCK_LINUX_SHIM_H
#define ESOCK_LINUX_SHIM_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
// Linux interfaces that SwiftGlibc does not export: epoll and eventfd.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <pthread.h>

// GNU extensions, wrapped so Swift sees them whatever SwiftGlibc was built with.
static inline int esock_accept4(int fd, int flags) { return accept4(fd, 0, 0, flags); }
static inline int esock_set_thread_name(const char *name) { return pthread_setname_np(pthread_self(), name); }

static const int esock_udp_cork = UDP_CORK;
// MSG_NOSIGNAL through a constant of this module: Swift's own lookup of the glibc enum
// constant fails in optimized (whole-module) builds, where clang attributes the
// definition to CURing, whose liburing.h also includes <sys/socket.h>.
static const int esock_msg_nosignal = MSG_NOSIGNAL;
#endif
