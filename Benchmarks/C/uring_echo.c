/*
 * uring_echo: a minimal io_uring TCP echo server, the per-backend limit for
 * ESock's uring backend in the benchmarks.
 *
 *   uring_echo [--port N] [--host ADDR] [--entries N] [--bufs N] [--reuseport]
 *
 * Binds ADDR:N (default 127.0.0.1:0; 0 = pick a free port), prints
 * "listening PORT" on stdout (flushed) when ready, echoes every byte back and
 * exits cleanly (status 0) on SIGINT/SIGTERM. --reuseport sets SO_REUSEPORT
 * on the listener: start one copy with --port 0, then more with the port it
 * printed, and the kernel spreads new connections over them.
 *
 * Technique (the one DESIGN.md names):
 *   - one ring, IORING_SETUP_SINGLE_ISSUER|IORING_SETUP_DEFER_TASKRUN, falling
 *     back to IORING_SETUP_COOP_TASKRUN, then to no flags;
 *   - multishot accept on the listener;
 *   - multishot recv on every connection into one shared provided-buffer ring
 *     (64 KiB buffers, group 0). liburing 2.3 has no io_uring_setup_buf_ring:
 *     the ring memory is mmap'ed, registered with io_uring_register_buf_ring
 *     and initialised with io_uring_buf_ring_init;
 *   - received bytes are copied to the connection's output queue and the
 *     buffer goes straight back to the ring; one send in flight per
 *     connection (MSG_NOSIGNAL), further data waits in the queue and leaves
 *     with the next send;
 *   - -ENOBUFS ends a multishot recv: the connection waits, and after each
 *     batch of completions the waiting connections are re-armed, oldest first,
 *     one per buffer back in the ring (not all at once); a CQE without
 *     IORING_CQE_F_MORE means re-arm; a FIN (res 0) sends what is owed, then
 *     closes;
 *   - a connection is closed only when it has no operation in flight, so no
 *     completion ever refers to a closed (or reused) descriptor;
 *   - submissions are batched: one io_uring_submit_and_wait per loop turn.
 *
 * Build: gcc -O2 -o uring_echo uring_echo.c -luring
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <liburing.h>

#define BUF_SIZE (64 * 1024)
#define BGID 0

enum { OP_ACCEPT = 1, OP_RECV = 2, OP_SEND = 3, OP_SIGNAL = 4 };

struct conn {
	int fd;
	uint32_t gen;        /* generation: guards against a reused slot */
	int open;            /* slot in use */
	int recv_armed;      /* multishot recv in flight */
	int send_inflight;   /* one send in flight */
	int closing;         /* peer gone or error: close when nothing in flight */
	int waiting_buf;     /* recv ended with -ENOBUFS, waits for a buffer */
	int eof;             /* peer sent FIN: send what is owed, then close */
	/* Two buffers: 'out' is what the in-flight send reads (out[out_off..
	 * out_len)) and is never touched while that send is in flight; 'pend'
	 * collects the bytes that arrive meanwhile. When the send completes, the
	 * two swap. */
	char *out;
	size_t out_len, out_off, out_cap;
	char *pend;
	size_t pend_len, pend_cap;
};

static int stop_flag;
static int sig_fd = -1;
static struct signalfd_siginfo sig_info;
static struct io_uring ring;
static struct io_uring_buf_ring *br;
static char *buf_base;
static unsigned nbufs = 256;
static unsigned bufs_out;      /* buffers taken by the kernel, not yet returned */
static struct conn *conns;
static size_t nconns;
static int *waitq;           /* fds waiting for a provided buffer (FIFO) */
static size_t waitq_head, waitq_len, waitq_cap;
static int listen_fd = -1;
static int accept_armed;
/* counters, printed on stderr at exit: evidence of what the ring really did */
static unsigned long long st_enter, st_recv_cqe, st_recv_arm, st_enobufs, st_send, st_accept;

static inline uint64_t mkud(int op, int fd, uint32_t gen)
{
	return ((uint64_t)gen << 32) | ((uint64_t)(uint32_t)fd << 8) | (uint64_t)op;
}

static struct io_uring_sqe *get_sqe(void)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	while (!sqe) {
		io_uring_submit(&ring);
		sqe = io_uring_get_sqe(&ring);
	}
	return sqe;
}

/* SIGINT/SIGTERM are blocked and read from a signalfd through the ring, so a
 * signal can never slip in between a check and the wait. */
static void arm_signal(void)
{
	struct io_uring_sqe *sqe = get_sqe();
	io_uring_prep_read(sqe, sig_fd, &sig_info, sizeof(sig_info), 0);
	io_uring_sqe_set_data64(sqe, mkud(OP_SIGNAL, 0, 0));
}

static void die(const char *what, int err)
{
	fprintf(stderr, "uring_echo: %s: %s\n", what, strerror(err));
	exit(1);
}

static struct conn *conn_for(int fd)
{
	if ((size_t)fd >= nconns) {
		size_t n = nconns ? nconns : 1024;
		while (n <= (size_t)fd) n *= 2;
		struct conn *c = realloc(conns, n * sizeof(*c));
		if (!c) die("realloc", ENOMEM);
		memset(c + nconns, 0, (n - nconns) * sizeof(*c));
		conns = c;
		nconns = n;
	}
	return &conns[fd];
}

static void arm_accept(void)
{
	struct io_uring_sqe *sqe = get_sqe();
	io_uring_prep_multishot_accept(sqe, listen_fd, NULL, NULL, SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, mkud(OP_ACCEPT, listen_fd, 0));
	accept_armed = 1;
}

static void arm_recv(struct conn *c)
{
	struct io_uring_sqe *sqe = get_sqe();
	io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = BGID;
	io_uring_sqe_set_data64(sqe, mkud(OP_RECV, c->fd, c->gen));
	c->recv_armed = 1;
	st_recv_arm++;
}

static void submit_send(struct conn *c)
{
	struct io_uring_sqe *sqe = get_sqe();
	io_uring_prep_send(sqe, c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, mkud(OP_SEND, c->fd, c->gen));
	c->send_inflight = 1;
	st_send++;
}

static void maybe_close(struct conn *c)
{
	if (!c->open || !c->closing || c->recv_armed || c->send_inflight || c->waiting_buf) return;
	close(c->fd);
	c->open = 0;
	c->closing = 0;
	c->out_len = c->out_off = c->pend_len = 0;
	if (c->out_cap > 4 * BUF_SIZE) { /* do not keep a burst's memory forever */
		free(c->out);
		c->out = NULL;
		c->out_cap = 0;
	}
	if (c->pend_cap > 4 * BUF_SIZE) {
		free(c->pend);
		c->pend = NULL;
		c->pend_cap = 0;
	}
}

static void start_close(struct conn *c)
{
	c->closing = 1;
	/* A multishot recv still armed is cancelled: its final CQE (without
	 * IORING_CQE_F_MORE) arrives later and finishes the close. */
	if (c->recv_armed) {
		struct io_uring_sqe *sqe = get_sqe();
		io_uring_prep_cancel64(sqe, mkud(OP_RECV, c->fd, c->gen), 0);
		io_uring_sqe_set_data64(sqe, 0);
		sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
	}
	maybe_close(c);
}

static void return_buf(unsigned bid)
{
	io_uring_buf_ring_add(br, buf_base + (size_t)bid * BUF_SIZE, BUF_SIZE, bid,
			      io_uring_buf_ring_mask(nbufs), 0);
	io_uring_buf_ring_advance(br, 1);
	bufs_out--;
}

/* After a batch of completions: re-arm the connections whose multishot recv
 * ended with -ENOBUFS, one per buffer that is back in the ring, oldest first. */
static void rearm_waiting(void)
{
	unsigned avail = nbufs - bufs_out;
	while (waitq_len && avail) {
		int fd = waitq[waitq_head];
		waitq_head = (waitq_head + 1) % waitq_cap;
		waitq_len--;
		struct conn *c = &conns[fd];
		if (!c->open || !c->waiting_buf) continue;
		c->waiting_buf = 0;
		if (c->closing) { maybe_close(c); continue; }
		arm_recv(c);
		avail--;
	}
}

static void wait_for_buf(struct conn *c)
{
	if (waitq_len == waitq_cap) {
		size_t n = waitq_cap ? waitq_cap * 2 : 256;
		int *q = malloc(n * sizeof(int));
		if (!q) die("malloc", ENOMEM);
		for (size_t i = 0; i < waitq_len; i++) q[i] = waitq[(waitq_head + i) % waitq_cap];
		free(waitq);
		waitq = q;
		waitq_cap = n;
		waitq_head = 0;
	}
	waitq[(waitq_head + waitq_len) % waitq_cap] = c->fd;
	waitq_len++;
	c->waiting_buf = 1;
}

static void append(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
	if (*len + n > *cap) {
		size_t nc = *cap ? *cap : 4096;
		while (nc < *len + n) nc *= 2;
		char *b = realloc(*buf, nc);
		if (!b) die("realloc", ENOMEM);
		*buf = b;
		*cap = nc;
	}
	memcpy(*buf + *len, data, n);
	*len += n;
}

static void echo(struct conn *c, const char *data, size_t n)
{
	if (!c->send_inflight) {
		c->out_len = c->out_off = 0;
		append(&c->out, &c->out_len, &c->out_cap, data, n);
		submit_send(c);
	} else {
		append(&c->pend, &c->pend_len, &c->pend_cap, data, n);
	}
}

static void on_send(struct conn *c, int res)
{
	c->send_inflight = 0;
	if (res < 0) {
		if (res == -EAGAIN || res == -EINTR) { submit_send(c); return; }
		c->out_len = c->out_off = c->pend_len = 0;
		start_close(c);
		return;
	}
	c->out_off += (size_t)res;
	if (c->closing) { maybe_close(c); return; }
	if (c->out_off < c->out_len) { submit_send(c); return; }
	if (c->pend_len) {
		/* swap: the pending bytes become the next send */
		char *b = c->out; size_t cap = c->out_cap;
		c->out = c->pend; c->out_cap = c->pend_cap; c->out_len = c->pend_len; c->out_off = 0;
		c->pend = b; c->pend_cap = cap; c->pend_len = 0;
		submit_send(c);
	} else {
		c->out_len = c->out_off = 0;
		if (c->eof) start_close(c);
	}
}

static void on_recv(struct conn *c, struct io_uring_cqe *cqe)
{
	int res = cqe->res;
	int more = cqe->flags & IORING_CQE_F_MORE;
	st_recv_cqe++;
	if (!more) c->recv_armed = 0;
	if (cqe->flags & IORING_CQE_F_BUFFER) bufs_out++;
	if (res > 0) {
		unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
		if (!c->closing) echo(c, buf_base + (size_t)bid * BUF_SIZE, (size_t)res);
		return_buf(bid);
		if (!more && !c->closing) arm_recv(c);
	} else if (res == -ENOBUFS) {
		st_enobufs++;
		if (!more && !c->closing) wait_for_buf(c);
	} else if (res == -EAGAIN || res == -EINTR) {
		if (!more && !c->closing) arm_recv(c);
	} else if (res == 0) {
		/* peer sent FIN (multishot recv has ended): echo what is still
		 * owed, then close */
		c->eof = 1;
		if (!c->send_inflight && !c->closing) start_close(c);
	} else {
		/* -ECANCELED = our cancel, other = error (reset, ...) */
		if (cqe->flags & IORING_CQE_F_BUFFER) return_buf(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
		if (!c->closing) start_close(c);
	}
	maybe_close(c);
}

static void on_accept(struct io_uring_cqe *cqe)
{
	if (!(cqe->flags & IORING_CQE_F_MORE)) accept_armed = 0;
	int fd = cqe->res;
	if (fd >= 0) {
		int one = 1;
		st_accept++;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct conn *c = conn_for(fd);
		uint32_t gen = c->gen + 1;
		char *out = c->out, *pend = c->pend;
		size_t cap = c->out_cap, pcap = c->pend_cap;
		memset(c, 0, sizeof(*c));
		c->out = out; c->out_cap = cap;
		c->pend = pend; c->pend_cap = pcap;
		c->fd = fd;
		c->gen = gen;
		c->open = 1;
		arm_recv(c);
	} else if (fd != -EAGAIN && fd != -EINTR && fd != -ECONNABORTED && fd != -EMFILE &&
		   fd != -ENFILE && fd != -ENOBUFS && fd != -ENOMEM && fd != -ECANCELED) {
		fprintf(stderr, "uring_echo: accept: %s\n", strerror(-fd));
	}
	if (!accept_armed && !stop_flag) arm_accept();
}

static int setup_ring(unsigned entries)
{
	struct io_uring_params p;
	static const unsigned tries[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_COOP_TASKRUN,
		0,
	};
	static const char *names[] = { "SINGLE_ISSUER|DEFER_TASKRUN", "COOP_TASKRUN", "none" };
	int ret = -EINVAL;
	for (unsigned i = 0; i < 3; i++) {
		memset(&p, 0, sizeof(p));
		p.flags = tries[i] | IORING_SETUP_CQSIZE;
		p.cq_entries = entries * 4;
		ret = io_uring_queue_init_params(entries, &ring, &p);
		if (ret == 0) {
			fprintf(stderr, "uring_echo: ring flags %s\n", names[i]);
			return 0;
		}
	}
	return ret;
}

static void setup_buffers(void)
{
	size_t ring_size = (size_t)nbufs * sizeof(struct io_uring_buf);
	void *mem = mmap(NULL, ring_size, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	if (mem == MAP_FAILED) die("mmap buf ring", errno);
	br = mem;
	struct io_uring_buf_reg reg;
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (unsigned long)mem;
	reg.ring_entries = nbufs;
	reg.bgid = BGID;
	int ret = io_uring_register_buf_ring(&ring, &reg, 0);
	if (ret < 0) die("io_uring_register_buf_ring", -ret);
	io_uring_buf_ring_init(br);
	buf_base = mmap(NULL, (size_t)nbufs * BUF_SIZE, PROT_READ | PROT_WRITE,
			MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	if (buf_base == MAP_FAILED) die("mmap buffers", errno);
	int mask = io_uring_buf_ring_mask(nbufs);
	for (unsigned i = 0; i < nbufs; i++)
		io_uring_buf_ring_add(br, buf_base + (size_t)i * BUF_SIZE, BUF_SIZE, i, mask, i);
	io_uring_buf_ring_advance(br, nbufs);
}

static void usage(void)
{
	fprintf(stderr, "usage: uring_echo [--port N] [--host ADDR] [--entries N] [--bufs N(power of 2)]"
		" [--reuseport]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int port = 0;
	const char *host = "127.0.0.1";
	unsigned entries = 1024;
	int reuseport = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--reuseport")) { reuseport = 1; continue; }
		if (i + 1 >= argc) usage();
		if (!strcmp(argv[i], "--port")) port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--host")) host = argv[++i];
		else if (!strcmp(argv[i], "--entries")) entries = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--bufs")) nbufs = (unsigned)atoi(argv[++i]);
		else usage();
	}
	if (port < 0 || port > 65535 || entries < 8 || nbufs < 1 || nbufs > 32768 ||
	    (nbufs & (nbufs - 1)))
		usage();

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sig_fd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sig_fd < 0) die("signalfd", errno);
	signal(SIGPIPE, SIG_IGN);

	struct sockaddr_storage ss;
	socklen_t sslen;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sslen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sslen = sizeof(*sin6);
	} else {
		fprintf(stderr, "uring_echo: bad host %s\n", host);
		return 2;
	}
	listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0) die("socket", errno);
	int one = 1;
	setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport && setsockopt(listen_fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		die("SO_REUSEPORT", errno);
	if (bind(listen_fd, (struct sockaddr *)&ss, sslen) < 0) die("bind", errno);
	if (listen(listen_fd, 4096) < 0) die("listen", errno);
	sslen = sizeof(ss);
	getsockname(listen_fd, (struct sockaddr *)&ss, &sslen);
	int bound = ntohs(ss.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port);

	int ret = setup_ring(entries);
	if (ret < 0) die("io_uring_queue_init_params", -ret);
	setup_buffers();
	arm_signal();
	arm_accept();
	io_uring_submit(&ring);

	printf("listening %d\n", bound);
	fflush(stdout);

	while (!stop_flag) {
		ret = io_uring_submit_and_wait(&ring, 1);
		st_enter++;
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY && ret != -ETIME)
			die("io_uring_submit_and_wait", -ret);
		struct io_uring_cqe *cqe;
		unsigned head, count = 0;
		io_uring_for_each_cqe(&ring, head, cqe) {
			count++;
			uint64_t ud = cqe->user_data;
			int op = (int)(ud & 0xff);
			int fd = (int)((ud >> 8) & 0xffffff);
			uint32_t gen = (uint32_t)(ud >> 32);
			if (op == OP_ACCEPT) { on_accept(cqe); continue; }
			if (op == OP_SIGNAL) {
				if (cqe->res == (int)sizeof(sig_info)) stop_flag = 1;
				else arm_signal();
				continue;
			}
			if (op != OP_RECV && op != OP_SEND) continue; /* cancel results */
			if ((size_t)fd >= nconns) continue;
			struct conn *c = &conns[fd];
			if (!c->open || c->gen != gen) continue;
			if (op == OP_RECV) on_recv(c, cqe);
			else on_send(c, cqe->res);
		}
		io_uring_cq_advance(&ring, count);
		if (waitq_len) rearm_waiting();
	}

	/* clean exit: close everything; the kernel cancels what is left when the
	 * ring goes away */
	for (size_t i = 0; i < nconns; i++)
		if (conns[i].open) close(conns[i].fd);
	close(listen_fd);
	io_uring_queue_exit(&ring);
	fprintf(stderr, "uring_echo: stats loops=%llu accepts=%llu recv_cqes=%llu recv_arms=%llu "
		"enobufs=%llu sends=%llu\n", st_enter, st_accept, st_recv_cqe, st_recv_arm,
		st_enobufs, st_send);
	return 0;
}
