/*
 * procs: many processes holding a few loopback TCP connections each, for
 * `bench/run --procs-mode` (2,000 processes x 10 sockets against the same
 * sockets in 10 processes).
 *
 *   procs NPROCS CONNS_PER_PROC READY_FILE [EXIT_AFTER_S]
 *
 * The parent opens one listener on 127.0.0.1 (ephemeral port), then forks the
 * children one at a time: each connects CONNS_PER_PROC times to the listener,
 * accepts its own connections (children are started one after another, so the
 * accept queue holds only its own), closes its copy of the listener and reports
 * over a pipe. Each child thus holds exactly 2 * CONNS_PER_PROC sockets; the
 * parent holds only the listener. When all are up the parent writes
 * "PID PORT\n" to READY_FILE (atomically) and waits for SIGTERM/SIGINT (or
 * EXIT_AFTER_S, default 1800), then SIGTERMs and reaps every child. Children
 * close with SO_LINGER 0 (no TIME_WAIT), die with the parent
 * (PR_SET_PDEATHSIG) and exit by themselves after EXIT_AFTER_S.
 *
 *   cc -O2 -o procs procs.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_sig(int s)
{
	got = s;
}

static void abort_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static void kill_all(pid_t *kids, int n, int sig)
{
	for (int i = 0; i < n; i++)
		if (kids[i] > 0)
			kill(kids[i], sig);
}

static void reap_all(pid_t *kids, int n)
{
	for (int i = 0; i < n; i++)
		if (kids[i] > 0)
			while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
				;
}

static int child(int lfd, struct sockaddr_in *addr, long conns, int wfd, const sigset_t *waitmask,
		 unsigned exit_after)
{
	int *fds = calloc((size_t)conns * 2 + 1, sizeof(int));
	long n = 0;

	if (fds == NULL)
		_exit(1);
	for (long i = 0; i < conns; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int s;

		if (c < 0 || connect(c, (struct sockaddr *)addr, sizeof(*addr)) < 0) {
			perror("procs: connect");
			_exit(1);
		}
		s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (s < 0) {
			perror("procs: accept");
			_exit(1);
		}
		fds[n++] = c;
		fds[n++] = s;
	}
	close(lfd);
	if (write(wfd, "r", 1) != 1)
		_exit(1);
	close(wfd);
	alarm(exit_after);
	while (!got)
		sigsuspend(waitmask);
	for (long i = 0; i < n; i++)
		abort_close(fds[i]);
	_exit(0);
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t alen = sizeof(addr);
	struct sigaction sa = { .sa_handler = on_sig };
	sigset_t block, waitmask;
	struct rlimit rl;
	long nprocs, conns;
	unsigned exit_after = 1800;
	pid_t *kids, parent = getpid();
	int lfd, one = 1;
	char tmp[4096];
	FILE *f;

	if (argc < 4 || argc > 5) {
		fputs("usage: procs NPROCS CONNS_PER_PROC READY_FILE [EXIT_AFTER_S]\n", stderr);
		return 2;
	}
	nprocs = strtol(argv[1], NULL, 10);
	conns = strtol(argv[2], NULL, 10);
	if (argc == 5)
		exit_after = (unsigned)strtoul(argv[4], NULL, 10);
	if (nprocs <= 0 || conns <= 0) {
		fputs("procs: NPROCS and CONNS_PER_PROC must be > 0\n", stderr);
		return 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGALRM);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, SOMAXCONN) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&addr, &alen) < 0) {
		perror("procs: listener");
		return 1;
	}
	kids = calloc((size_t)nprocs, sizeof(*kids));
	if (kids == NULL)
		return 1;

	for (long i = 0; i < nprocs && !got; i++) {
		int p[2];
		char c;
		ssize_t r;

		if (pipe2(p, O_CLOEXEC) < 0) {
			perror("procs: pipe");
			goto fail;
		}
		kids[i] = fork();
		if (kids[i] < 0) {
			perror("procs: fork");
			kids[i] = 0;
			goto fail;
		}
		if (kids[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(1);
			close(p[0]);
			child(lfd, &addr, conns, p[1], &waitmask, exit_after);
		}
		close(p[1]);
		do
			r = read(p[0], &c, 1);
		while (r < 0 && errno == EINTR && !got);
		close(p[0]);
		if (r != 1) {
			fprintf(stderr, "procs: child %ld of %ld failed to set up\n", i + 1,
				nprocs);
			goto fail;
		}
	}
	if (got)
		goto fail;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", argv[3], (int)getpid());
	f = fopen(tmp, "w");
	if (f == NULL || fprintf(f, "%d %d\n", (int)getpid(), ntohs(addr.sin_port)) < 0 ||
	    fclose(f) != 0 || rename(tmp, argv[3]) < 0) {
		perror("procs: ready file");
		goto fail;
	}
	alarm(exit_after);
	while (!got)
		sigsuspend(&waitmask);
	kill_all(kids, (int)nprocs, SIGTERM);
	reap_all(kids, (int)nprocs);
	abort_close(lfd);
	return got == SIGALRM ? 3 : 0;
fail:
	kill_all(kids, (int)nprocs, SIGKILL);
	reap_all(kids, (int)nprocs);
	return 1;
}
