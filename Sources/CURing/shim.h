#ifndef ESOCK_CURING_SHIM_H
#define ESOCK_CURING_SHIM_H

// The libc headers must come first: liburing.h defines _XOPEN_SOURCE 500, which would
// otherwise give a second, clashing fd_set against SwiftGlibc.
#include <features.h>
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <signal.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <liburing.h>

// Swift cannot import the IOSQE_* flag macros (they are built from enum bit numbers).
static const unsigned char esock_iosqe_io_link = IOSQE_IO_LINK;
static const unsigned char esock_iosqe_async = IOSQE_ASYNC;
static const unsigned char esock_iosqe_buffer_select = IOSQE_BUFFER_SELECT;
static const unsigned char esock_iosqe_cqe_skip_success = IOSQE_CQE_SKIP_SUCCESS;

static const unsigned int esock_cqe_f_more = IORING_CQE_F_MORE;
static const unsigned int esock_cqe_f_buffer = IORING_CQE_F_BUFFER;
static const unsigned int esock_cqe_buffer_shift = IORING_CQE_BUFFER_SHIFT;

static const unsigned int esock_setup_single_issuer = IORING_SETUP_SINGLE_ISSUER;
static const unsigned int esock_setup_defer_taskrun = IORING_SETUP_DEFER_TASKRUN;
static const unsigned int esock_setup_coop_taskrun = IORING_SETUP_COOP_TASKRUN;
static const unsigned int esock_setup_submit_all = IORING_SETUP_SUBMIT_ALL;

static const int esock_async_cancel_fd = IORING_ASYNC_CANCEL_FD;
static const int esock_async_cancel_all = IORING_ASYNC_CANCEL_ALL;

/// Collects up to `max` ready CQEs into `out` and returns how many (io_uring_for_each_cqe
/// is a macro that Swift cannot use).
static inline unsigned esock_peek_batch(struct io_uring *ring, struct io_uring_cqe **out, unsigned max) {
    return io_uring_peek_batch_cqe(ring, out, max);
}

/// The raw io_uring_setup syscall, so a probe can tell ENOSYS/EPERM apart from liburing's
/// own setup path.
static inline int esock_sys_io_uring_setup(unsigned entries, struct io_uring_params *p) {
    long r = syscall(__NR_io_uring_setup, entries, p);
    return r < 0 ? -errno : (int)r;
}

#include <sys/mman.h>

/// Maps and registers a provided-buffer ring of `entries` (a power of two) for group `bgid`
/// (liburing 2.3 has no io_uring_setup_buf_ring). Returns the ring or NULL with -errno in *err.
static inline struct io_uring_buf_ring *esock_setup_buf_ring(struct io_uring *ring, unsigned entries,
                                                            unsigned short bgid, int *err) {
    size_t size = entries * sizeof(struct io_uring_buf);
    void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (mem == MAP_FAILED) { *err = -errno; return NULL; }
    struct io_uring_buf_ring *br = (struct io_uring_buf_ring *)mem;
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof(reg));
    reg.ring_addr = (unsigned long)(uintptr_t)mem;
    reg.ring_entries = entries;
    reg.bgid = bgid;
    int r = io_uring_register_buf_ring(ring, &reg, 0);
    if (r < 0) { munmap(mem, size); *err = r; return NULL; }
    io_uring_buf_ring_init(br);
    *err = 0;
    return br;
}

/// Arms a multishot recv on `fd` that picks buffers from group `bgid`.
static inline void esock_prep_recv_multishot(struct io_uring_sqe *sqe, int fd, unsigned short bgid) {
    io_uring_prep_recv_multishot(sqe, fd, NULL, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = bgid;
}
#endif
