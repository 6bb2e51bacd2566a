#ifndef ESOCK_LINUX_SHIM_H
#define ESOCK_LINUX_SHIM_H
// Linux interfaces that SwiftGlibc does not export: epoll and eventfd.
//
// No _GNU_SOURCE: the libc headers below are also part of SwiftGlibc, which is built
// without it, and a header parsed under two feature-macro sets gives two definitions that
// clang refuses to merge ("fds_bits from module CESockLinux is not present in definition of
// fd_set in module SwiftGlibc"). The two GNU functions used are declared here instead, with
// glibc's prototypes.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <pthread.h>

extern int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);
extern int pthread_setname_np(pthread_t thread, const char *name);

// GNU extensions, wrapped so Swift sees them whatever SwiftGlibc was built with.
static inline int esock_accept4(int fd, int flags) { return accept4(fd, 0, 0, flags); }
static inline int esock_set_thread_name(const char *name) { return pthread_setname_np(pthread_self(), name); }

static const int esock_udp_cork = UDP_CORK;
// MSG_NOSIGNAL is an anonymous-enum constant of <bits/socket.h>. That header is also parsed
// into CURing's shim, and in a whole-module (release) build only the module that parsed it
// first exports the constant, so Swift files that do not import that module cannot see it.
static const int esock_msg_nosignal = MSG_NOSIGNAL;
#endif
