/*
 * epoll_echo: a minimal epoll TCP echo server, the per-backend limit for
 * ESock's poll backend in the benchmarks.
 *
 *   epoll_echo [--port N] [--host ADDR] [--reuseport]
 *
 * Binds ADDR:N (default 127.0.0.1:0; 0 = pick a free port), prints
 * "listening PORT" on stdout (flushed) when ready, echoes every byte back and
 * exits cleanly (status 0) on SIGINT/SIGTERM. --reuseport sets SO_REUSEPORT
 * on the listener: start one copy with --port 0, then more with the port it
 * printed, and the kernel spreads new connections over them.
 *
 * Technique: one thread, non-blocking sockets, edge-triggered
 * EPOLLIN|EPOLLOUT|EPOLLRDHUP registered once per connection (no epoll_ctl on
 * the hot path). On any event the connection first flushes what it still owes
 * the peer, then reads and writes straight back: read() until it returns less
 * than the buffer (the socket is drained; a later arrival raises a new edge;
 * unless the edge came with EPOLLRDHUP: then until recv() says 0 or EAGAIN),
 * write() at once, and only bytes the kernel did not take are queued. Reading
 * goes on while bytes are owed (behind them, in order: like the uring server,
 * which never stops its multishot recv) up to 4 MiB owed per connection, then
 * stops until EPOLLOUT (back-pressure). TCP_NODELAY, MSG_NOSIGNAL.
 * SIGINT/SIGTERM arrive through a signalfd in the same epoll set.
 *
 * Build: gcc -O2 -o epoll_echo epoll_echo.c
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
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#define BUF_SIZE (64 * 1024)
#define MAX_EVENTS 256
#define OUT_LIMIT (4 * 1024 * 1024) /* owed bytes per connection before it stops reading */

struct conn {
	int open;
	int eof;             /* peer sent FIN: send what is owed, then close */
	char *out;           /* bytes owed to the peer: out[out_off..out_len) */
	size_t out_len, out_off, out_cap;
};

static struct conn *conns;
static size_t nconns;
static char buf[BUF_SIZE];

static void die(const char *what, int err)
{
	fprintf(stderr, "epoll_echo: %s: %s\n", what, strerror(err));
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

static void conn_close(int fd)
{
	struct conn *c = &conns[fd];
	close(fd); /* also removes it from the epoll set */
	c->open = 0;
	c->out_len = c->out_off = 0;
	if (c->out_cap > 4 * BUF_SIZE) {
		free(c->out);
		c->out = NULL;
		c->out_cap = 0;
	}
}

static void queue(struct conn *c, const char *data, size_t n)
{
	if (c->out_off == c->out_len) c->out_off = c->out_len = 0;
	if (c->out_off && c->out_len + n > c->out_cap) { /* compact before growing */
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + n > c->out_cap) {
		size_t nc = c->out_cap ? c->out_cap : 4096;
		while (nc < c->out_len + n) nc *= 2;
		char *b = realloc(c->out, nc);
		if (!b) die("realloc", ENOMEM);
		c->out = b;
		c->out_cap = nc;
	}
	memcpy(c->out + c->out_len, data, n);
	c->out_len += n;
}

/* returns 0 if all owed bytes are gone, 1 if some remain, -1 on error */
static int flush(int fd, struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t w = send(fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (w > 0) { c->out_off += (size_t)w; continue; }
		if (w < 0 && errno == EINTR) continue;
		if (w < 0 && errno == EAGAIN) return 1;
		return -1;
	}
	c->out_off = c->out_len = 0;
	return 0;
}

static void handle(int fd, uint32_t events)
{
	struct conn *c = &conns[fd];
	/* A short read means "drained" only if no FIN came with this edge: a FIN
	 * that arrived before the read raises no later edge, so then read on
	 * until recv says 0 or EAGAIN. */
	int hup = (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
	for (;;) {
		if (flush(fd, c) < 0) { conn_close(fd); return; }
		size_t owed = c->out_len - c->out_off;
		if (c->eof) {
			if (!owed) conn_close(fd);
			return; /* else EPOLLOUT brings us back */
		}
		if (owed >= OUT_LIMIT) return; /* back-pressure until EPOLLOUT */
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		if (r == 0) { c->eof = 1; continue; }
		if (r < 0) {
			if (errno == EINTR) continue;
			if (errno == EAGAIN) return;
			conn_close(fd);
			return;
		}
		if (owed) {
			queue(c, buf, (size_t)r); /* behind what is owed: keeps the order */
		} else {
			ssize_t w = send(fd, buf, (size_t)r, MSG_NOSIGNAL);
			if (w < 0) {
				if (errno != EAGAIN && errno != EINTR) { conn_close(fd); return; }
				w = 0;
			}
			if (w < r) queue(c, buf + w, (size_t)(r - w));
		}
		if ((size_t)r < sizeof(buf) && !hup) {
			/* drained: a later arrival raises a new edge */
			if (c->out_off < c->out_len && flush(fd, c) < 0) conn_close(fd);
			return;
		}
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: epoll_echo [--port N] [--host ADDR] [--reuseport]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int port = 0;
	const char *host = "127.0.0.1";
	int reuseport = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--reuseport")) { reuseport = 1; continue; }
		if (i + 1 >= argc) usage();
		if (!strcmp(argv[i], "--port")) port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--host")) host = argv[++i];
		else usage();
	}
	if (port < 0 || port > 65535) usage();

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
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
		fprintf(stderr, "epoll_echo: bad host %s\n", host);
		return 2;
	}
	int lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0) die("socket", errno);
	int one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport && setsockopt(lfd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		die("SO_REUSEPORT", errno);
	if (bind(lfd, (struct sockaddr *)&ss, sslen) < 0) die("bind", errno);
	if (listen(lfd, 4096) < 0) die("listen", errno);
	sslen = sizeof(ss);
	getsockname(lfd, (struct sockaddr *)&ss, &sslen);
	int bound = ntohs(ss.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port);

	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) die("epoll_create1", errno);
	struct epoll_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN; /* level-triggered listener */
	ev.data.fd = lfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) die("epoll_ctl listener", errno);
	ev.events = EPOLLIN;
	ev.data.fd = sig_fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sig_fd, &ev) < 0) die("epoll_ctl signalfd", errno);

	printf("listening %d\n", bound);
	fflush(stdout);

	struct epoll_event events[MAX_EVENTS];
	int stop = 0;
	while (!stop) {
		int n = epoll_wait(ep, events, MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR) continue;
			die("epoll_wait", errno);
		}
		for (int i = 0; i < n; i++) {
			int fd = events[i].data.fd;
			if (fd == sig_fd) { stop = 1; continue; }
			if (fd == lfd) {
				for (int k = 0; k < 64; k++) {
					int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
					if (cfd < 0) {
						if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
							fprintf(stderr, "epoll_echo: accept: %s\n", strerror(errno));
						break;
					}
					setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					struct conn *c = conn_for(cfd);
					c->open = 1;
					c->eof = 0;
					c->out_len = c->out_off = 0;
					struct epoll_event cev;
					memset(&cev, 0, sizeof(cev));
					cev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
					cev.data.fd = cfd;
					/* bytes that arrived before this are reported too:
					 * EPOLL_CTL_ADD polls the socket once */
					if (epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &cev) < 0)
						conn_close(cfd);
				}
				continue;
			}
			if ((size_t)fd < nconns && conns[fd].open) handle(fd, events[i].events);
		}
	}
	for (size_t i = 0; i < nconns; i++)
		if (conns[i].open) close((int)i);
	close(lfd);
	close(ep);
	close(sig_fd);
	return 0;
}
