#ifndef ESOCK_LINUX_SHIM_H
#define ESOCK_LINUX_SHIM_H
// Linux interfaces that SwiftGlibc does not export: epoll and eventfd.
//
// No _GNU_SOURCE here: the libc headers below are also part of SwiftGlibc, which is built
// without it, and it changes their declarations (fd_set's member is then `fds_bits`, not
// `__fds_bits`). Clang then finds two different definitions of one type and a clean build
// fails. The three GNU functions needed are declared by hand instead.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <pthread.h>
#include <sys/ioctl.h>

extern int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);
extern int pthread_setname_np(pthread_t thread, const char *name);
extern int sched_getaffinity(int pid, size_t size, void *mask);

// GNU extensions, wrapped so Swift sees them whatever SwiftGlibc was built with.
static inline int esock_accept4(int fd, int flags) { return accept4(fd, 0, 0, flags); }
static inline int esock_set_thread_name(const char *name) { return pthread_setname_np(pthread_self(), name); }
// The number of CPUs this process may run on (its affinity mask), or 0 when unknown.
static inline int esock_available_cpus(void) {
    unsigned long mask[16] = {0};
    if (sched_getaffinity(0, sizeof mask, mask) != 0) return 0;
    int n = 0;
    for (int i = 0; i < 16; i++) n += __builtin_popcountl(mask[i]);
    return n;
}

static const int esock_udp_cork = UDP_CORK;
// MSG_NOSIGNAL through a constant of this module: Swift's own lookup of the glibc enum
// constant fails in optimized (whole-module) builds, where clang attributes the
// definition to CURing, whose liburing.h also includes <sys/socket.h>.
static const int esock_msg_nosignal = MSG_NOSIGNAL;

// sendfile(2) and pipe2(2) for sendfile: the poll backend's kernel path, and the pipe the
// uring backend splices through.
#include <sys/sendfile.h>
#include <fcntl.h>
extern int pipe2(int fds[2], int flags);
static inline long esock_sendfile(int out, int in, long offset, unsigned long count) {
    off_t off = offset;
    return sendfile(out, in, &off, count);
}
// Blocking, like the uring backend's sockets: io_uring then waits instead of failing with EAGAIN.
static inline int esock_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

// setns(2) for the netns open option: the calling thread enters a network namespace.
extern int setns(int fd, int nstype);
static inline int esock_enter_netns(int fd) { return setns(fd, 0x40000000 /* CLONE_NEWNET */); }

// ioctl(2) is variadic, which Swift does not import: one pointer argument is all the socket
// requests need.
static inline int esock_ioctl(int fd, unsigned long request, void *arg) { return ioctl(fd, request, arg); }
// SIOCGIFCONF takes a struct ifconf (an int length, then a pointer); laid out here so Swift
// never builds a struct holding a pointer by hand. `*len` is the buffer's size in, the bytes
// the kernel filled out.
static inline int esock_ioctl_ifconf(int fd, void *buf, int *len) {
    struct { int len; void *buf; } conf = { *len, buf };
    int r = ioctl(fd, 0x8912 /* SIOCGIFCONF */, &conf);
    if (r == 0) *len = conf.len;
    return r;
}
#endif
