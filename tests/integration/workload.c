/*
 * workload: a socket workload generator for the integration tests, TUI tests and
 * benchmarks. One process opens a loopback listener and, on demand:
 *
 *   --conns N        N established connections to its own listener (both ends held);
 *   --close-wait N   N more connections whose client end it closes, keeping the
 *                    accepted end, which therefore sits in CLOSE_WAIT;
 *   --udp N          N UDP sockets bound to ephemeral loopback ports;
 *   --leak-rate R    every second, R more connections that are never closed.
 *
 * When every socket exists (connections accepted, CLOSE_WAIT reached) it writes
 * "PID PORT\n" to the --ready-file atomically, then sleeps in ppoll() until SIGTERM or
 * SIGINT, aborts every socket (SO_LINGER 0, so no TIME_WAIT is left behind on the
 * host) and exits 0. --exit-after is a safety net so that it never outlives a crashed
 * test: when it fires, the workload exits with status 3.
 *
 * Exit status: 0 on SIGTERM/SIGINT, 1 on a setup error, 2 on a usage error, 3 when
 * --exit-after expired.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Descriptors beyond the sockets: stdio, the ready file, and some slack. */
#define FD_SLACK 16

struct options {
	int listen_port;
	long long conns;
	long long close_wait;
	long long udp;
	long long leak_rate;
	double exit_after;
	long long nofile;
	bool ipv6;
	const char *ready_file;
};

/* Every descriptor the workload holds, closed (aborted) at exit. */
struct fdset {
	int *fds;
	size_t len;
	size_t cap;
};

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

__attribute__((format(printf, 1, 2))) static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("workload: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void usage(FILE *f)
{
	fputs("usage: workload [options]\n"
	      "  --listen-port P   listener port on 127.0.0.1 (or ::1), 0 = ephemeral (default)\n"
	      "  --ipv6            use ::1 instead of 127.0.0.1 (listener, connections, UDP)\n"
	      "  --conns N         N connections to the own listener, both ends held\n"
	      "  --close-wait N    N connections left in CLOSE_WAIT on the accepted end\n"
	      "  --udp N           N UDP sockets bound to ephemeral loopback ports\n"
	      "  --leak-rate R     every second open R more connections, never closed\n"
	      "  --nofile N        set the soft RLIMIT_NOFILE to N (default: raised to the\n"
	      "                    hard limit only when the sockets need it)\n"
	      "  --ready-file PATH write \"PID PORT\\n\" to PATH (atomically) once ready\n"
	      "  --exit-after S    exit (status 3) after S seconds, 0 = never (default 300)\n"
	      "  -h, --help\n",
	      f);
}

__attribute__((format(printf, 1, 2))) static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("workload: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (try --help)\n", stderr);
	exit(2);
}

static long long parse_count(const char *opt, const char *s, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max)
		usage_error("%s: expected an integer between 0 and %lld, got '%s'", opt, max, s);
	return v;
}

static double parse_seconds(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 1e9)
		usage_error("%s: expected a number of seconds >= 0, got '%s'", opt, s);
	return v;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	enum {
		OPT_PORT = 256,
		OPT_CONNS,
		OPT_CW,
		OPT_UDP,
		OPT_LEAK,
		OPT_READY,
		OPT_EXIT,
		OPT_NOFILE,
		OPT_IPV6
	};
	static const struct option longopts[] = {
		{ "listen-port", required_argument, NULL, OPT_PORT },
		{ "conns", required_argument, NULL, OPT_CONNS },
		{ "close-wait", required_argument, NULL, OPT_CW },
		{ "udp", required_argument, NULL, OPT_UDP },
		{ "leak-rate", required_argument, NULL, OPT_LEAK },
		{ "ready-file", required_argument, NULL, OPT_READY },
		{ "exit-after", required_argument, NULL, OPT_EXIT },
		{ "nofile", required_argument, NULL, OPT_NOFILE },
		{ "ipv6", no_argument, NULL, OPT_IPV6 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct options){ .exit_after = 300.0, .nofile = -1 };
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_PORT:
			o->listen_port = (int)parse_count("--listen-port", optarg, 65535);
			break;
		case OPT_CONNS:
			o->conns = parse_count("--conns", optarg, INT_MAX / 2);
			break;
		case OPT_CW:
			o->close_wait = parse_count("--close-wait", optarg, INT_MAX / 2);
			break;
		case OPT_UDP:
			o->udp = parse_count("--udp", optarg, INT_MAX / 2);
			break;
		case OPT_LEAK:
			o->leak_rate = parse_count("--leak-rate", optarg, 1000000);
			break;
		case OPT_READY:
			o->ready_file = optarg;
			break;
		case OPT_EXIT:
			o->exit_after = parse_seconds("--exit-after", optarg);
			break;
		case OPT_NOFILE:
			o->nofile = parse_count("--nofile", optarg, INT_MAX);
			break;
		case OPT_IPV6:
			o->ipv6 = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fputs("workload: bad option (try --help)\n", stderr);
			exit(2);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
}

static void fdset_add(struct fdset *s, int fd)
{
	if (s->len == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		int *n = realloc(s->fds, cap * sizeof(*n));

		if (!n)
			die("out of memory");
		s->fds = n;
		s->cap = cap;
	}
	s->fds[s->len++] = fd;
}

/* Close with SO_LINGER 0 (RST), so that exiting leaves no TIME_WAIT on the host. */
static void close_abort(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Loopback address of the chosen family with the given port. */
static socklen_t loopback_addr(bool ipv6, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ipv6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons((unsigned short)port);
		return sizeof(*a);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sin_port = htons((unsigned short)port);
	return sizeof(*a);
}

static int open_listener(const struct options *o, int *port)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback_addr(o->ipv6, o->listen_port, &ss);
	int one = 1;
	int fd = socket(o->ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind %s port %d: %s", o->ipv6 ? "::1" : "127.0.0.1", o->listen_port,
		    strerror(errno));
	if (listen(fd, SOMAXCONN) < 0)
		die("listen: %s", strerror(errno));
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		die("getsockname: %s", strerror(errno));
	*port = ntohs(o->ipv6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
			      : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/*
 * One connection to the own listener: a blocking connect, then accept. On loopback
 * the connect completes once the connection sits in the accept queue, so the accept
 * returns at once. Returns 0, or a negative errno with nothing left open.
 */
static int connect_pair(bool ipv6, int lfd, int port, int *client, int *server)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback_addr(ipv6, port, &ss);
	int err;
	int c = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (c < 0)
		return -errno;
	if (connect(c, (struct sockaddr *)&ss, len) < 0) {
		err = -errno;
		close(c);
		return err;
	}
	int s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (s < 0) {
		err = -errno;
		close_abort(c);
		return err;
	}
	*client = c;
	*server = s;
	return 0;
}

static int open_udp(bool ipv6)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback_addr(ipv6, 0, &ss);
	int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("udp socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("udp bind: %s", strerror(errno));
	return fd;
}

/*
 * Make room for `need` descriptors: an explicit --nofile sets the soft limit; otherwise
 * the soft limit is raised to the hard limit only when `need` exceeds it.
 */
static void setup_nofile(const struct options *o, long long need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit: %s", strerror(errno));
	if (o->nofile >= 0) {
		if (rl.rlim_max != RLIM_INFINITY && (rlim_t)o->nofile > rl.rlim_max)
			die("--nofile %lld exceeds the hard RLIMIT_NOFILE %llu", o->nofile,
			    (unsigned long long)rl.rlim_max);
		rl.rlim_cur = (rlim_t)o->nofile;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			die("setrlimit(RLIMIT_NOFILE, %lld): %s", o->nofile, strerror(errno));
	} else if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)need > rl.rlim_cur) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			die("setrlimit(RLIMIT_NOFILE, %llu): %s", (unsigned long long)rl.rlim_max,
			    strerror(errno));
	}
	if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)need > rl.rlim_cur)
		die("the requested sockets need %lld file descriptors but RLIMIT_NOFILE is "
		    "%llu (soft) / %llu (hard); lower --conns/--close-wait/--udp or raise the "
		    "limit (ulimit -Hn)",
		    need, (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
}

/* Wait (with a deadline) until every CLOSE_WAIT candidate has seen the peer's FIN. */
static void wait_close_wait(const int *fds, size_t n)
{
	double deadline = now_mono() + 10.0;

	for (size_t i = 0; i < n; i++) {
		struct pollfd p = { .fd = fds[i], .events = POLLRDHUP };

		for (;;) {
			int ms = (int)((deadline - now_mono()) * 1000);

			if (ms < 0)
				die("the peer FIN of a CLOSE_WAIT connection did not arrive in 10 s");
			int r = poll(&p, 1, ms);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				die("poll: %s", strerror(errno));
			if (r > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
				break;
		}
	}
}

static void write_ready(const char *path, int port)
{
	char tmp[PATH_MAX];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		die("--ready-file path too long");
	f = fopen(tmp, "we");
	if (!f)
		die("%s: %s", tmp, strerror(errno));
	fprintf(f, "%d %d\n", (int)getpid(), port);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		int err = errno;

		fclose(f);
		unlink(tmp);
		die("%s: %s", tmp, strerror(err));
	}
	if (fclose(f) != 0)
		die("%s: %s", tmp, strerror(errno));
	if (rename(tmp, path) < 0) {
		int err = errno;

		unlink(tmp);
		die("rename %s -> %s: %s", tmp, path, strerror(err));
	}
}

int main(int argc, char **argv)
{
	struct options o;
	struct fdset all = { 0 };
	sigset_t block, orig;
	struct sigaction sa = { .sa_handler = on_signal };
	int lfd, port, c, s, err;
	int *cw_fds;
	long long need;
	bool leak_failed = false;
	double start, deadline, next_tick;

	parse_options(argc, argv, &o);

	/* Block the stop signals; they are only delivered inside ppoll(). */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigdelset(&orig, SIGTERM); /* the mask inside ppoll(): stop signals let through */
	sigdelset(&orig, SIGINT);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	need = FD_SLACK + 1 + 2 * o.conns + 2 * o.close_wait + o.udp;
	setup_nofile(&o, need);

	start = now_mono();
	lfd = open_listener(&o, &port);
	fdset_add(&all, lfd);

	for (long long i = 0; i < o.conns; i++) {
		err = connect_pair(o.ipv6, lfd, port, &c, &s);
		if (err < 0)
			die("connection %lld of %lld: %s", i + 1, o.conns, strerror(-err));
		fdset_add(&all, c);
		fdset_add(&all, s);
	}

	cw_fds = calloc(o.close_wait ? (size_t)o.close_wait : 1, sizeof(*cw_fds));
	if (!cw_fds)
		die("out of memory");
	for (long long i = 0; i < o.close_wait; i++) {
		err = connect_pair(o.ipv6, lfd, port, &c, &s);
		if (err < 0)
			die("close-wait connection %lld of %lld: %s", i + 1, o.close_wait,
			    strerror(-err));
		close(c); /* FIN to the accepted end, which goes to CLOSE_WAIT */
		cw_fds[i] = s;
		fdset_add(&all, s);
	}
	wait_close_wait(cw_fds, (size_t)o.close_wait);
	free(cw_fds);

	for (long long i = 0; i < o.udp; i++)
		fdset_add(&all, open_udp(o.ipv6));

	if (o.ready_file)
		write_ready(o.ready_file, port);

	deadline = o.exit_after > 0 ? start + o.exit_after : 0;
	next_tick = now_mono() + 1.0;
	while (!got_signal) {
		double now = now_mono();
		double wake = o.leak_rate > 0 ? next_tick : (deadline > 0 ? deadline : 0);
		struct timespec ts, *tsp = NULL;

		if (deadline > 0 && now >= deadline) {
			fprintf(stderr, "workload: --exit-after %g s expired, exiting\n",
				o.exit_after);
			for (size_t i = 0; i < all.len; i++)
				close_abort(all.fds[i]);
			return 3;
		}
		if (o.leak_rate > 0 && now >= next_tick) {
			for (long long i = 0; i < o.leak_rate && !leak_failed; i++) {
				err = connect_pair(o.ipv6, lfd, port, &c, &s);
				if (err < 0) {
					/* Like a real leaking server: stuck at its limit, alive. */
					fprintf(stderr,
						"workload: leak stopped after %zu sockets: %s\n",
						all.len, strerror(-err));
					leak_failed = true;
					break;
				}
				fdset_add(&all, c);
				fdset_add(&all, s);
			}
			/* Keep the cadence even if opening took a while; never burst. */
			while (next_tick <= now_mono())
				next_tick += 1.0;
			continue;
		}
		if (deadline > 0 && (wake == 0 || deadline < wake))
			wake = deadline;
		if (wake > 0) {
			double d = wake - now;

			if (d < 0)
				d = 0;
			ts.tv_sec = (time_t)d;
			ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
			tsp = &ts;
		}
		if (ppoll(NULL, 0, tsp, &orig) < 0 && errno != EINTR)
			die("ppoll: %s", strerror(errno));
	}

	for (size_t i = 0; i < all.len; i++)
		close_abort(all.fds[i]);
	free(all.fds);
	return 0;
}
