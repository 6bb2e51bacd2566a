/*
 * loadgen: a single-threaded epoll load generator for TCP echo servers.
 *
 *   loadgen --port N [--host 127.0.0.1] [--connections C] [--size S]
 *           [--duration SECONDS] [--warmup SECONDS] [--pipeline P]
 *           [--mode pingpong|bulk|connect|hold] [--server-pid PID]
 *           [--echoes E] [--max-connecting M] [--timeout SECONDS]
 *
 * Modes
 *   pingpong  C connections; each keeps P requests of S bytes in flight and
 *             sends a new request as soon as a response (the echo of one
 *             request) is complete. One "request" = one echoed message.
 *   bulk      C connections; each streams bytes and reads the echo back, with
 *             at most S*P bytes unanswered per connection. One "request" = one
 *             echoed chunk of S bytes; the headline number is mbps.
 *   connect   connect/send/recv/close storm: C connections at a time, each
 *             connects, sends S bytes, reads the S-byte echo, closes, and its
 *             slot starts a new connection. One "request" = one full cycle.
 *   hold      the server's memory per connection: opens C connections (at
 *             most M connects in flight), holds them idle, then each one does
 *             E round trips of S bytes (one at a time) while all stay open,
 *             then all close. With --server-pid, the server's VmRSS (summed
 *             over PID and its descendants) is read before the first connect,
 *             once the server holds all C descriptors (idle), and after the
 *             round trips (busy). --duration and --warmup do not apply: every
 *             phase ends by --timeout (default 40 s) at the latest.
 *
 * Every echoed byte is compared with what was sent (each request and each
 * stream position has its own deterministic content, so a lost, duplicated or
 * reordered byte is caught); a mismatch, an unexpected close, a reset or a
 * failed connect counts as an error and, except in connect mode, retires that
 * connection.
 *
 * Timing: the first WARMUP seconds (default 1) are not measured; then the
 * measured window of DURATION seconds. Latency (send of a request to the
 * last byte of its echo) goes into a log-linear histogram (64 sub-buckets per
 * power of two: < 1.6% error). With --server-pid, the server's CPU time
 * (utime+stime from /proc/PID/stat, summed over PID and its descendants) is
 * sampled exactly at the start and the end of the measured window, and so is
 * the machine's user+nice+system time (/proc/stat): what is left after the
 * server's and the load generator's own share is other_cpu_pct, the CPU (in %
 * of one core) that other processes took meanwhile: noise in the numbers.
 *
 * Output: one JSON line on stdout:
 *   {"requests":..,"seconds":..,"rps":..,"mbps":..,"p50_us":..,"p90_us":..,
 *    "p99_us":..,"p999_us":..,"errors":.., ...extra fields}
 * mbps is megabytes (1e6 B) per second of echoed payload received.
 *
 * Build: gcc -O2 -o loadgen loadgen.c
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define RBUF (64 * 1024)
#define PERIOD 65521u          /* prime: stream pattern period */
#define MAX_IOV 64

enum mode { PINGPONG, BULK, CONNECT, HOLD };
enum state { IDLE, CONNECTING, ACTIVE, DEAD };

/* ---------- histogram: log-linear, values in ns ---------- */
#define SUB_BITS 6
#define SUB (1u << SUB_BITS)
#define HBUCKETS (2 * SUB + 58 * SUB)

static uint64_t hist[HBUCKETS];
static uint64_t hist_n;

static inline unsigned h_index(uint64_t v)
{
	if (v < 2 * SUB) return (unsigned)v;
	unsigned e = 63 - (unsigned)__builtin_clzll(v); /* >= SUB_BITS + 1 */
	unsigned shift = e - SUB_BITS;
	unsigned idx = 2 * SUB + (shift - 1) * SUB + (unsigned)((v >> shift) - SUB);
	return idx < HBUCKETS ? idx : HBUCKETS - 1;
}

/* midpoint of a bucket, in ns */
static double h_value(unsigned idx)
{
	if (idx < 2 * SUB) return idx;
	unsigned shift = (idx - 2 * SUB) / SUB + 1;
	uint64_t top = SUB + (idx - 2 * SUB) % SUB;
	double lo = (double)(top << shift);
	return lo + (double)(1ull << shift) / 2.0;
}

static inline void h_record(uint64_t ns)
{
	hist[h_index(ns)]++;
	hist_n++;
}

static double h_percentile(double q)
{
	if (!hist_n) return 0;
	uint64_t rank = (uint64_t)(q * (double)hist_n + 0.999999);
	if (rank < 1) rank = 1;
	uint64_t cum = 0;
	for (unsigned i = 0; i < HBUCKETS; i++) {
		cum += hist[i];
		if (cum >= rank) return h_value(i);
	}
	return h_value(HBUCKETS - 1);
}

/* ---------- options ---------- */
static const char *host = "127.0.0.1";
static int port = -1;
static int nconn = 1;
static size_t size = 64;
static double duration = 3;
static double warmup = 1;
static int pipeline = 1;
static enum mode mode = PINGPONG;
static int server_pid = 0;
static int echoes = 1;           /* hold: round trips per connection */
static int max_connecting = 256; /* hold: connects in flight at once (the listen backlog is finite) */
static double hold_timeout = 40; /* hold: bound of the whole run, seconds */

/* ---------- connections ---------- */
struct lconn {
	int fd;
	int id;
	enum state st;
	/* pingpong / connect: requests issued, fully written, fully echoed */
	uint64_t issued, written, done;
	size_t woff;          /* bytes of request 'written' already written */
	size_t roff;          /* bytes of request 'done' already received */
	/* bulk: stream positions */
	uint64_t tx, rx;
	uint64_t *ts;         /* send times, ring of ts_len */
	unsigned ts_len;
	uint64_t cycle_start; /* connect mode */
};

static struct lconn *conns;
static unsigned char *pattern;   /* PERIOD + max(size, RBUF) + 256 bytes */
static struct sockaddr_storage addr;
static socklen_t addrlen;
static int ep;
static int measuring;
static int running = 1;
static uint64_t m_requests, m_bytes, errors, verify_errors, closed_errors, connect_errors;
static char rbuf[RBUF];

static inline uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* start of request k's content for connection id (pingpong/connect) */
static inline const unsigned char *req_bytes(int id, uint64_t k)
{
	return pattern + ((k * 131u + (uint64_t)id * 7u) % 251u);
}

/* stream content at position pos for connection id (bulk) */
static inline const unsigned char *stream_bytes(int id, uint64_t pos)
{
	return pattern + ((pos + (uint64_t)id * 7919u) % PERIOD);
}

static void fail_conn(struct lconn *c, uint64_t *counter)
{
	if (running) {
		errors++;
		(*counter)++;
	}
	if (c->fd >= 0) close(c->fd);
	c->fd = -1;
	c->st = DEAD;
}

static int add_epoll(struct lconn *c)
{
	struct epoll_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.ptr = c;
	return epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

/* non-blocking connect; the connection becomes ACTIVE on its first EPOLLOUT */
static int start_connect(struct lconn *c)
{
	int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) return -1;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	c->issued = c->written = c->done = 0;
	c->woff = c->roff = 0;
	c->tx = c->rx = 0;
	c->cycle_start = now_ns();
	int r = connect(fd, (struct sockaddr *)&addr, addrlen);
	if (r < 0 && errno != EINPROGRESS) {
		close(fd);
		c->fd = -1;
		return -1;
	}
	c->st = CONNECTING;
	if (add_epoll(c) < 0) {
		close(fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

/* pingpong / connect: write issued-but-unwritten requests (writev) */
static int flush_reqs(struct lconn *c)
{
	while (c->written < c->issued) {
		struct iovec iov[MAX_IOV];
		int n = 0;
		for (uint64_t k = c->written; k < c->issued && n < MAX_IOV; k++, n++) {
			size_t off = (k == c->written) ? c->woff : 0;
			iov[n].iov_base = (void *)(req_bytes(c->id, k) + off);
			iov[n].iov_len = size - off;
		}
		ssize_t w = writev(c->fd, iov, n);
		if (w < 0) {
			if (errno == EINTR) continue;
			if (errno == EAGAIN) return 0;
			return -1;
		}
		size_t left = (size_t)w;
		while (left) {
			size_t rem = size - c->woff;
			if (left >= rem) {
				left -= rem;
				c->written++;
				c->woff = 0;
			} else {
				c->woff += left;
				left = 0;
			}
		}
	}
	return 0;
}

static inline void issue(struct lconn *c, uint64_t t)
{
	c->ts[c->issued % c->ts_len] = t;
	c->issued++;
}

/* returns -1 on verify error, 0 otherwise */
static int consume_reqs(struct lconn *c, const unsigned char *p, size_t n, uint64_t t)
{
	while (n) {
		size_t m = size - c->roff;
		if (m > n) m = n;
		if (memcmp(p, req_bytes(c->id, c->done) + c->roff, m) != 0) return -1;
		p += m;
		n -= m;
		c->roff += m;
		if (c->roff == size) {
			if (measuring) {
				h_record(t - c->ts[c->done % c->ts_len]);
				m_requests++;
			}
			c->done++;
			c->roff = 0;
			if (mode == PINGPONG && running) issue(c, t);
			if (mode == HOLD && c->issued < (uint64_t)echoes) issue(c, t);
		}
	}
	return 0;
}

static int flush_bulk(struct lconn *c)
{
	uint64_t window = (uint64_t)size * (uint64_t)pipeline;
	while (running && c->tx - c->rx < window) {
		size_t len = (size_t)(window - (c->tx - c->rx));
		if (len > RBUF) len = RBUF;
		ssize_t w = send(c->fd, stream_bytes(c->id, c->tx), len, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR) continue;
			if (errno == EAGAIN) return 0;
			return -1;
		}
		uint64_t t = now_ns();
		uint64_t a = c->tx, b = c->tx + (uint64_t)w;
		/* chunks whose first byte is in [a, b) start now */
		for (uint64_t k = (a + size - 1) / size; k * size < b; k++)
			c->ts[k % c->ts_len] = t;
		c->tx = b;
	}
	return 0;
}

static int consume_bulk(struct lconn *c, const unsigned char *p, size_t n, uint64_t t)
{
	if (memcmp(p, stream_bytes(c->id, c->rx), n) != 0) return -1;
	uint64_t a = c->rx, b = c->rx + n;
	/* chunks whose last byte is in [a, b) are complete */
	for (uint64_t k = a / size; (k + 1) * size <= b; k++) {
		if ((k + 1) * size <= a) continue;
		if (measuring) {
			h_record(t - c->ts[k % c->ts_len]);
			m_requests++;
		}
	}
	c->rx = b;
	return 0;
}

static void handle(struct lconn *c, uint32_t events)
{
	if (c->st == CONNECTING) {
		int err = 0;
		socklen_t el = sizeof(err);
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err) {
			fail_conn(c, &connect_errors);
			return;
		}
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
		c->st = ACTIVE;
		uint64_t t = now_ns();
		if (mode == PINGPONG) {
			for (int i = 0; i < pipeline; i++) issue(c, t);
		} else if (mode == CONNECT) {
			issue(c, c->cycle_start);
		}
	}
	if (c->st != ACTIVE) return;
	for (;;) {
		int r = (mode == BULK) ? flush_bulk(c) : flush_reqs(c);
		if (r < 0) { fail_conn(c, &closed_errors); return; }
		ssize_t n = recv(c->fd, rbuf, sizeof(rbuf), 0);
		if (n == 0) { fail_conn(c, &closed_errors); return; }
		if (n < 0) {
			if (errno == EINTR) continue;
			if (errno == EAGAIN) return;
			fail_conn(c, &closed_errors);
			return;
		}
		uint64_t t = now_ns();
		if (measuring) m_bytes += (uint64_t)n;
		int v = (mode == BULK) ? consume_bulk(c, (unsigned char *)rbuf, (size_t)n, t)
				       : consume_reqs(c, (unsigned char *)rbuf, (size_t)n, t);
		if (v < 0) { fail_conn(c, &verify_errors); return; }
		if (mode == CONNECT && c->done == 1) {
			close(c->fd);
			c->fd = -1;
			c->st = IDLE;
			if (running && start_connect(c) < 0) fail_conn(c, &connect_errors);
			return;
		}
		if ((size_t)n < sizeof(rbuf) && mode != BULK &&
		    !(events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
			/* drained (no FIN came with this edge, so a later arrival
			 * raises a new one); write what the responses triggered */
			if (flush_reqs(c) < 0) fail_conn(c, &closed_errors);
			return;
		}
	}
}

/* ---------- server CPU sampling ---------- */
#define MAX_PIDS 64
static int pids[MAX_PIDS];
static int npids;

static int read_stat(int pid, long *ppid, unsigned long long *cpu)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) return -1;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p) return -1;
	/* fields after comm: 3 state, 4 ppid, ... 14 utime, 15 stime */
	char st;
	long pp;
	unsigned long long f[12];
	if (sscanf(p + 2, "%c %ld %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &st, &pp, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8],
		   &f[9], &f[10], &f[11]) != 14)
		return -1;
	if (ppid) *ppid = pp;
	if (cpu) *cpu = f[9] + f[10]; /* utime + stime, clock ticks */
	return 0;
}

/* PID and its descendants, found once before the measured window */
static void find_pids(void)
{
	npids = 0;
	pids[npids++] = server_pid;
	for (int changed = 1; changed && npids < MAX_PIDS;) {
		changed = 0;
		DIR *d = opendir("/proc");
		if (!d) return;
		struct dirent *e;
		while ((e = readdir(d)) && npids < MAX_PIDS) {
			if (!isdigit((unsigned char)e->d_name[0])) continue;
			int pid = atoi(e->d_name);
			long pp;
			if (read_stat(pid, &pp, NULL) < 0) continue;
			int known = 0, parent = 0;
			for (int i = 0; i < npids; i++) {
				if (pids[i] == pid) known = 1;
				if (pids[i] == pp) parent = 1;
			}
			if (parent && !known) {
				pids[npids++] = pid;
				changed = 1;
			}
		}
		closedir(d);
	}
}

static long long server_ticks(void)
{
	if (!server_pid) return -1;
	unsigned long long sum = 0, v;
	int any = 0;
	for (int i = 0; i < npids; i++)
		if (read_stat(pids[i], NULL, &v) == 0) { sum += v; any = 1; }
	return any ? (long long)sum : -1;
}

/* user+nice+system ticks of the whole machine (first line of /proc/stat):
 * minus the server's and our own, what other processes used meanwhile */
static long long machine_ticks(void)
{
	char buf[512];
	int fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) return -1;
	buf[n] = 0;
	unsigned long long u, ni, sy;
	if (sscanf(buf, "cpu %llu %llu %llu", &u, &ni, &sy) != 3) return -1;
	return (long long)(u + ni + sy);
}

static long long self_ticks(void)
{
	unsigned long long v;
	return read_stat(getpid(), NULL, &v) == 0 ? (long long)v : -1;
}

static double self_cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* ---------- hold mode: server memory per connection ---------- */
/* VmRSS of PID and its descendants, in KiB */
static long long server_rss_kb(void)
{
	long long sum = 0;
	int any = 0;
	for (int i = 0; i < npids; i++) {
		char path[64], line[256];
		snprintf(path, sizeof(path), "/proc/%d/status", pids[i]);
		FILE *f = fopen(path, "re");
		if (!f) continue;
		while (fgets(line, sizeof(line), f)) {
			long long kb;
			if (sscanf(line, "VmRSS: %lld kB", &kb) == 1) { sum += kb; any = 1; break; }
		}
		fclose(f);
	}
	return any ? sum : -1;
}

/* open descriptors of PID and its descendants: tells when the server has
 * accepted every connection (a completed connect only means the handshake is
 * done; the connection may still wait in the accept queue) */
static long long server_fds(void)
{
	long long sum = 0;
	int any = 0;
	for (int i = 0; i < npids; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/fd", pids[i]);
		DIR *d = opendir(path);
		if (!d) continue;
		any = 1;
		struct dirent *e;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.') sum++;
		closedir(d);
	}
	return any ? sum : -1;
}

/* one epoll turn of at most ms milliseconds; returns how many connections
 * left CONNECTING */
static int pump(int ms)
{
	struct epoll_event evs[512];
	int left = 0;
	int n = epoll_wait(ep, evs, 512, ms);
	for (int i = 0; i < n; i++) {
		struct lconn *c = evs[i].data.ptr;
		if (c->st != CONNECTING && c->st != ACTIVE) continue;
		int was = c->st == CONNECTING;
		handle(c, evs[i].events);
		if (was && c->st != CONNECTING) left++;
	}
	return left;
}

/* keep serving events for ms milliseconds */
static void settle(int ms)
{
	uint64_t until = now_ns() + (uint64_t)ms * 1000000ull;
	for (uint64_t t = now_ns(); t < until; t = now_ns())
		pump((int)((until - t) / 1000000ull) + 1);
}

static int run_hold(void)
{
	uint64_t t0 = now_ns();
	uint64_t deadline = t0 + (uint64_t)(hold_timeout * 1e9);
	long long rss0 = -1, rss1 = -1, rss2 = -1, fds0 = -1, fds1 = -1;
	int timed_out = 0;
	if (server_pid) {
		find_pids();
		/* a server that has just said "listening" may still be starting threads */
		struct timespec ts = { 0, 200000000 };
		nanosleep(&ts, NULL);
		rss0 = server_rss_kb();
		fds0 = server_fds();
	}

	/* phase 1: open every connection, a bounded number of connects at a time */
	int next = 0, connecting = 0;
	while ((next < nconn || connecting > 0) && now_ns() < deadline) {
		while (next < nconn && connecting < max_connecting) {
			struct lconn *c = &conns[next++];
			if (start_connect(c) < 0) fail_conn(c, &connect_errors);
			else connecting++;
		}
		connecting -= pump(100);
	}
	if (next < nconn || connecting > 0) timed_out = 1;
	uint64_t t_open = now_ns();
	int open = 0;
	for (int i = 0; i < nconn; i++) open += conns[i].st == ACTIVE;

	/* phase 2: idle; sample once the server holds every descriptor (bounded) */
	if (server_pid) {
		uint64_t until = now_ns() + 10000000000ull;
		if (until > deadline) until = deadline;
		while (fds0 >= 0 && server_fds() < fds0 + open && now_ns() < until) pump(50);
		settle(200);
		fds1 = server_fds();
		rss1 = server_rss_kb();
	}

	/* phase 3: busy; every open connection does its round trips */
	measuring = 1;
	uint64_t t_busy = now_ns();
	for (int i = 0; i < nconn; i++) {
		struct lconn *c = &conns[i];
		if (c->st != ACTIVE) continue;
		issue(c, now_ns());
		handle(c, 0);
	}
	for (;;) {
		int busy = 0;
		for (int i = 0; i < nconn && !busy; i++)
			busy = conns[i].st == ACTIVE && conns[i].done < (uint64_t)echoes;
		if (!busy) break;
		if (now_ns() >= deadline) { timed_out = 1; break; }
		pump(100);
	}
	uint64_t t_done = now_ns();
	measuring = 0;
	if (server_pid) {
		settle(200);
		rss2 = server_rss_kb();
	}
	int held = 0;
	for (int i = 0; i < nconn; i++) held += conns[i].st == ACTIVE;
	running = 0;
	for (int i = 0; i < nconn; i++)
		if (conns[i].fd >= 0) close(conns[i].fd);
	if (timed_out) errors++;

	double busy_s = (double)(t_done - t_busy) / 1e9;
	if (busy_s <= 0) busy_s = 1e-9;
	char rss[320];
	if (rss0 >= 0 && rss1 >= 0 && rss2 >= 0 && open > 0) {
		snprintf(rss, sizeof(rss),
			 "\"rss_before_kb\":%lld,\"rss_idle_kb\":%lld,\"rss_busy_kb\":%lld,"
			 "\"rss_idle_per_conn_b\":%.1f,\"rss_busy_per_conn_b\":%.1f,"
			 "\"server_fds_before\":%lld,\"server_fds_idle\":%lld",
			 rss0, rss1, rss2, (double)(rss1 - rss0) * 1024.0 / open,
			 (double)(rss2 - rss0) * 1024.0 / open, fds0, fds1);
	} else {
		snprintf(rss, sizeof(rss), "\"rss_busy_per_conn_b\":null");
	}
	printf("{\"requests\":%llu,\"seconds\":%.4f,\"rps\":%.1f,\"mbps\":%.3f,"
	       "\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,"
	       "\"errors\":%llu,\"verify_errors\":%llu,\"closed_errors\":%llu,"
	       "\"connect_errors\":%llu,\"mode\":\"hold\",\"connections\":%d,\"size\":%zu,"
	       "\"echoes\":%d,\"connections_open\":%d,\"connections_held\":%d,"
	       "\"connect_s\":%.3f,\"timed_out\":%s,%s,"
	       "\"server_cpu_us_per_req\":null,\"other_cpu_pct\":null}\n",
	       (unsigned long long)m_requests, busy_s, (double)m_requests / busy_s,
	       (double)m_bytes / busy_s / 1e6,
	       h_percentile(0.50) / 1e3, h_percentile(0.90) / 1e3, h_percentile(0.99) / 1e3,
	       h_percentile(0.999) / 1e3, (unsigned long long)errors,
	       (unsigned long long)verify_errors, (unsigned long long)closed_errors,
	       (unsigned long long)connect_errors, nconn, size, echoes, open, held,
	       (double)(t_open - t0) / 1e9, timed_out ? "true" : "false", rss);
	fflush(stdout);
	return 0;
}

/* ---------- main ---------- */
static void usage(void)
{
	fprintf(stderr,
		"usage: loadgen --port N [--host 127.0.0.1] [--connections C] [--size S]\n"
		"               [--duration SECONDS] [--warmup SECONDS] [--pipeline P]\n"
		"               [--mode pingpong|bulk|connect|hold] [--server-pid PID]\n"
		"               [--echoes E] [--max-connecting M] [--timeout SECONDS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc) usage();
		const char *k = argv[i], *v = argv[++i];
		if (!strcmp(k, "--host")) host = v;
		else if (!strcmp(k, "--port")) port = atoi(v);
		else if (!strcmp(k, "--connections")) nconn = atoi(v);
		else if (!strcmp(k, "--size")) size = (size_t)atol(v);
		else if (!strcmp(k, "--duration")) duration = atof(v);
		else if (!strcmp(k, "--warmup")) warmup = atof(v);
		else if (!strcmp(k, "--pipeline")) pipeline = atoi(v);
		else if (!strcmp(k, "--server-pid")) server_pid = atoi(v);
		else if (!strcmp(k, "--echoes")) echoes = atoi(v);
		else if (!strcmp(k, "--max-connecting")) max_connecting = atoi(v);
		else if (!strcmp(k, "--timeout")) hold_timeout = atof(v);
		else if (!strcmp(k, "--mode")) {
			if (!strcmp(v, "pingpong")) mode = PINGPONG;
			else if (!strcmp(v, "bulk")) mode = BULK;
			else if (!strcmp(v, "connect")) mode = CONNECT;
			else if (!strcmp(v, "hold")) mode = HOLD;
			else usage();
		} else usage();
	}
	if (port <= 0 || port > 65535 || nconn < 1 || nconn > 100000 || size < 1 ||
	    size > (64u << 20) || duration <= 0 || duration > 3600 || warmup < 0 ||
	    warmup > 3600 || pipeline < 1 || pipeline > 4096 || echoes < 1 || echoes > 1000000 ||
	    max_connecting < 1 || hold_timeout <= 0 || hold_timeout > 3600)
		usage();
	if (mode == CONNECT || mode == HOLD) pipeline = 1;

	/* one descriptor per connection: raise the soft limit as far as needed */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)nconn + 64) {
		rl.rlim_cur = (rlim_t)nconn + 64;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max) rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < (rlim_t)nconn + 16) {
			fprintf(stderr, "loadgen: %d connections need more descriptors than the hard limit "
				"(%llu)\n", nconn, (unsigned long long)rl.rlim_max);
			return 1;
		}
	}

	memset(&addr, 0, sizeof(addr));
	struct sockaddr_in *sin = (struct sockaddr_in *)&addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&addr;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		addrlen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		addrlen = sizeof(*sin6);
	} else {
		fprintf(stderr, "loadgen: bad host %s (numeric address expected)\n", host);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);

	size_t plen = PERIOD + (size > RBUF ? size : RBUF) + 256;
	pattern = malloc(plen);
	if (!pattern) { fprintf(stderr, "loadgen: out of memory\n"); return 1; }
	for (size_t j = 0; j < plen; j++) {
		size_t q = j % PERIOD;
		pattern[j] = (unsigned char)(q * 251u + (q >> 8) * 7u + (q >> 16) + 1u);
	}

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) { perror("loadgen: epoll_create1"); return 1; }
	conns = calloc((size_t)nconn, sizeof(*conns));
	if (!conns) { fprintf(stderr, "loadgen: out of memory\n"); return 1; }
	for (int i = 0; i < nconn; i++) {
		struct lconn *c = &conns[i];
		c->id = i;
		c->fd = -1;
		c->ts_len = (unsigned)pipeline + 2;
		c->ts = calloc(c->ts_len, sizeof(uint64_t));
		if (!c->ts) { fprintf(stderr, "loadgen: out of memory\n"); return 1; }
		if (mode == HOLD) continue; /* run_hold connects, a few at a time */
		if (start_connect(c) < 0) {
			fprintf(stderr, "loadgen: connect: %s\n", strerror(errno));
			fail_conn(c, &connect_errors);
		}
	}

	if (mode == HOLD) return run_hold();

	uint64_t t0 = now_ns();
	uint64_t t_measure = t0 + (uint64_t)(warmup * 1e9);
	uint64_t t_end = t_measure + (uint64_t)(duration * 1e9);
	uint64_t m_start = 0, m_stop = 0;
	long long ticks0 = -1, ticks1 = -1, mach0 = -1, mach1 = -1, own0 = -1, own1 = -1;
	double cpu0 = 0, cpu1 = 0;
	if (server_pid) find_pids();
	if (warmup == 0) {
		measuring = 1;
		m_start = now_ns();
		ticks0 = server_ticks();
		cpu0 = self_cpu_s();
		mach0 = machine_ticks();
		own0 = self_ticks();
	}

	struct epoll_event evs[512];
	while (running) {
		uint64_t t = now_ns();
		if (!measuring && t >= t_measure) {
			/* warmup over: the measured window starts now (errors
			 * of the warmup still count) */
			measuring = 1;
			m_start = t;
			ticks0 = server_ticks();
			cpu0 = self_cpu_s();
			mach0 = machine_ticks();
			own0 = self_ticks();
		}
		if (measuring && t >= t_end) {
			m_stop = t;
			ticks1 = server_ticks();
			cpu1 = self_cpu_s();
			mach1 = machine_ticks();
			own1 = self_ticks();
			measuring = 0;
			running = 0;
			break;
		}
		uint64_t next = measuring ? t_end : t_measure;
		int timeout = (int)((next - t) / 1000000ull) + 1;
		int n = epoll_wait(ep, evs, 512, timeout);
		if (n < 0 && errno != EINTR) { perror("loadgen: epoll_wait"); break; }
		for (int i = 0; i < n; i++) {
			struct lconn *c = evs[i].data.ptr;
			if (c->st == CONNECTING || c->st == ACTIVE) handle(c, evs[i].events);
		}
		if (mode == CONNECT) {
			/* slots whose connect failed at once start again (bounded:
			 * one try per slot per loop turn) */
			for (int i = 0; i < nconn; i++)
				if (conns[i].st == DEAD && running && start_connect(&conns[i]) < 0) {
					errors++;
					connect_errors++;
				}
		} else {
			int alive = 0;
			for (int i = 0; i < nconn && !alive; i++) alive = conns[i].st != DEAD;
			if (!alive) {
				fprintf(stderr, "loadgen: every connection failed\n");
				m_stop = now_ns();
				ticks1 = server_ticks();
				cpu1 = self_cpu_s();
				mach1 = machine_ticks();
				own1 = self_ticks();
				if (!m_start) {
					m_start = m_stop; ticks0 = ticks1; cpu0 = cpu1;
					mach0 = mach1; own0 = own1;
				}
				break;
			}
		}
	}
	for (int i = 0; i < nconn; i++)
		if (conns[i].fd >= 0) close(conns[i].fd);

	double secs = (double)(m_stop - m_start) / 1e9;
	if (secs <= 0) secs = 1e-9;
	double rps = (double)m_requests / secs;
	double mbps = (double)m_bytes / secs / 1e6;
	long clk = sysconf(_SC_CLK_TCK);
	char srv[160];
	if (ticks0 >= 0 && ticks1 >= 0 && clk > 0) {
		double s = (double)(ticks1 - ticks0) / (double)clk;
		snprintf(srv, sizeof(srv), "\"server_cpu_s\":%.3f,\"server_cpu_us_per_req\":%.3f",
			 s, m_requests ? s * 1e6 / (double)m_requests : 0.0);
	} else {
		snprintf(srv, sizeof(srv), "\"server_cpu_s\":null,\"server_cpu_us_per_req\":null");
	}
	/* other processes' CPU in the window, in % of one core: noise */
	char other[64];
	if (ticks0 >= 0 && ticks1 >= 0 && mach0 >= 0 && mach1 >= 0 && own0 >= 0 && own1 >= 0 &&
	    clk > 0) {
		long long o = (mach1 - mach0) - (ticks1 - ticks0) - (own1 - own0);
		if (o < 0) o = 0;
		snprintf(other, sizeof(other), "%.1f", (double)o / (double)clk / secs * 100.0);
	} else {
		snprintf(other, sizeof(other), "null");
	}
	const char *mname = mode == PINGPONG ? "pingpong" : mode == BULK ? "bulk" : "connect";
	printf("{\"requests\":%llu,\"seconds\":%.4f,\"rps\":%.1f,\"mbps\":%.3f,"
	       "\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,"
	       "\"errors\":%llu,\"verify_errors\":%llu,\"closed_errors\":%llu,"
	       "\"connect_errors\":%llu,\"mode\":\"%s\",\"connections\":%d,\"size\":%zu,"
	       "\"pipeline\":%d,%s,\"client_cpu_us_per_req\":%.3f,\"other_cpu_pct\":%s}\n",
	       (unsigned long long)m_requests, secs, rps, mbps,
	       h_percentile(0.50) / 1e3, h_percentile(0.90) / 1e3, h_percentile(0.99) / 1e3,
	       h_percentile(0.999) / 1e3, (unsigned long long)errors,
	       (unsigned long long)verify_errors, (unsigned long long)closed_errors,
	       (unsigned long long)connect_errors, mname, nconn, size, pipeline, srv,
	       m_requests ? (cpu1 - cpu0) * 1e6 / (double)m_requests : 0.0, other);
	fflush(stdout);
	return 0;
}
