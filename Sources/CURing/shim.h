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
#endif
