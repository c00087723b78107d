/*
 * test_containers.c: the model across network namespaces and services:
 * listeners, ports and TIME_WAIT per namespace, sockets of a namespace whose
 * tables were not read, service rows and their sums, --netns and --service,
 * and a service judged on the sum of its processes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sockwatch/leak.h"
#include "sockwatch/service.h"
#include "snapfix.h"

#define NS_A 4026532001u
#define NS_B 4026532002u
#define HOST 4026531840u

static void set_cgroup(struct snapshot *s, struct proc_rec *p, const char *path)
{
	p->cgroup = strpool_add(&s->procs.strs, path, strlen(path));
}

/* A listener on 127.0.0.1:8080 in namespace index ns, with conns accepted sockets. */
static void add_server(struct snapshot *s, uint16_t ns, uint32_t ino0, int conns)
{
	struct sock_rec *r;
	int i;

	r = add_tcp(&s->socks, AF_INET, "127.0.0.1", 8080, "0.0.0.0", 0, TS_LISTEN, ino0);
	r->netns = ns;
	for (i = 0; i < conns; i++) {
		r = add_tcp(&s->socks, AF_INET, "127.0.0.1", 8080, "127.0.0.1", 40000 + i,
			    TS_ESTABLISHED, ino0 + 1 + (uint32_t)i);
		r->netns = ns;
		/* The client end, in the same namespace. */
		r = add_tcp(&s->socks, AF_INET, "127.0.0.1", 40000 + i, "127.0.0.1", 8080,
			    TS_ESTABLISHED, ino0 + 100 + (uint32_t)i);
		r->netns = ns;
	}
	/* One TIME_WAIT toward the same peer in each namespace. */
	r = add_tcp(&s->socks, AF_INET, "127.0.0.1", 50000, "127.0.0.9", 9000, TS_TIME_WAIT, 0);
	r->netns = ns;
}

/*
 * Host (index 0) and two namespaces. pid 100 in A holds A's listener and its
 * 3 connections; pid 200 in B holds B's and its 2; pid 300 in a namespace no
 * dump covered holds one socket fd that nothing lists.
 */
static void build_two(struct snapshot *s)
{
	uint32_t a[7], b[5], c[] = { 900 };
	struct proc_rec *p;
	int i;

	snapshot_init(s);
	snapshot_add_netns(s, HOST, "host", 4, 1);
	snapshot_add_netns(s, NS_A, "a", 1, 1);
	snapshot_add_netns(s, NS_B, "b", 1, 1);
	add_server(s, 1, 10, 3);
	add_server(s, 2, 20, 2);
	for (i = 0; i < 4; i++)
		a[i] = 10 + (uint32_t)i;
	for (i = 0; i < 3; i++)
		a[4 + i] = 110 + (uint32_t)i;
	for (i = 0; i < 3; i++)
		b[i] = 20 + (uint32_t)i;
	for (i = 0; i < 2; i++)
		b[3 + i] = 120 + (uint32_t)i;
	p = add_proc(&s->procs, 100, a, 7, 1);
	p->netns = NS_A;
	set_cgroup(s, p,
		   "/system.slice/docker-"
		   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope");
	p = add_proc(&s->procs, 200, b, 5, 1);
	p->netns = NS_B;
	set_cgroup(s, p, "/system.slice/web.service");
	p = add_proc(&s->procs, 300, c, 1, 1);
	p->netns = 4026532999u; /* not dumped */
	set_cgroup(s, p, "/system.slice/web.service");
}

static uint32_t listener_in(const struct snapshot *s, uint32_t ns)
{
	size_t i;

	for (i = 0; i < s->nlisteners; i++) {
		if (s->socks.v[s->listeners[i].sock].netns == ns)
			return (uint32_t)i;
	}
	return NONE;
}

static void test_per_namespace(void **state)
{
	struct snapshot s;
	uint32_t la, lb, in = 0;
	size_t i;

	(void)state;
	build_two(&s);
	snapshot_join(&s, NULL);
	assert_int_equal(s.nlisteners, 2);
	la = listener_in(&s, 1);
	lb = listener_in(&s, 2);
	assert_int_not_equal(la, NONE);
	assert_int_not_equal(lb, NONE);
	assert_int_equal(s.listeners[la].connections, 3);
	assert_int_equal(s.listeners[lb].connections, 2);
	/* Each is its own group: not one SO_REUSEPORT chain across namespaces. */
	assert_int_equal(s.listeners[la].group, la);
	assert_int_equal(s.listeners[lb].group, lb);
	assert_int_equal(sock_owner(&s, s.listeners[la].sock), 0);
	assert_int_equal(sock_owner(&s, s.listeners[lb].sock), 1);
	/* Port 8080 inbound: a row per namespace, with keys apart. */
	for (i = 0; i < s.nports; i++) {
		const struct port_row *pr = &s.ports[i];

		if (pr->port != 8080 || pr->dir != PORT_IN)
			continue;
		in++;
		assert_int_equal(pr->states[TS_ESTABLISHED], pr->netns == 1 ? 3 : 2);
	}
	assert_int_equal(in, 2);
	for (i = 0; i + 1 < s.nports; i++)
		assert_false(row_key_eq(model_row_key(&s, ROW_PORT, (uint32_t)i),
					model_row_key(&s, ROW_PORT, (uint32_t)i + 1)));
	/* TIME_WAIT toward one peer: one in each namespace, never two. */
	assert_int_equal(s.totals.tw_peer_max, 1);
	/* Processes are placed in their namespaces; the unknown one is added, not read. */
	assert_int_equal(s.pstats[0].netns, 1);
	assert_int_equal(s.pstats[1].netns, 2);
	assert_int_equal(s.nnetns, 4);
	assert_int_equal(s.netns[s.pstats[2].netns].ino, 4026532999u);
	assert_false(s.netns[s.pstats[2].netns].dumped);
	snapshot_fini(&s);
}

/* A socket fd of a process in a namespace whose tables were not read is not dead. */
static void test_undumped_not_dead(void **state)
{
	struct snapshot s;

	(void)state;
	build_two(&s);
	snapshot_join(&s, NULL);
	assert_int_equal(s.nunlisted, 1);
	assert_int_equal(s.unlisted[0].inode, 900);
	s.unlisted[0].proto = SP_TCP;
	snapshot_count_unlisted(&s);
	assert_int_equal(s.unlisted[0].kind, UL_OTHER);
	assert_int_equal(s.pstats[2].dead, 0);
	/* The same fd in a namespace that was read is dead. */
	s.netns[s.pstats[2].netns].dumped = 1;
	snapshot_count_unlisted(&s);
	assert_int_equal(s.unlisted[0].kind, UL_DEAD);
	assert_int_equal(s.pstats[2].dead, 1);
	/* Its service's dead sum follows, asked again or not. */
	assert_int_equal(s.services[s.pstats[2].service].dead, 1);
	snapshot_count_unlisted(&s);
	assert_int_equal(s.services[s.pstats[2].service].dead, 1);
	snapshot_fini(&s);
}

static uint32_t find_service(const struct snapshot *s, const char *name)
{
	size_t i, len;

	for (i = 0; i < s->nservices; i++) {
		const char *n = service_name(s, (uint32_t)i, &len);

		if (len == strlen(name) && memcmp(n, name, len) == 0)
			return (uint32_t)i;
	}
	return NONE;
}

static void test_services(void **state)
{
	struct snapshot s;
	uint32_t web, dock;

	(void)state;
	build_two(&s);
	snapshot_join(&s, NULL);
	assert_int_equal(s.nservices, 2);
	web = find_service(&s, "web.service");
	dock = find_service(&s, "0123456789ab");
	assert_int_not_equal(web, NONE);
	assert_int_not_equal(dock, NONE);
	assert_int_equal(s.services[web].kind, SVC_SYSTEMD);
	assert_int_equal(s.services[dock].kind, SVC_DOCKER);
	assert_int_equal(s.services[web].procs, 2);
	assert_int_equal(s.services[web].sockets, 6);
	assert_int_equal(s.services[web].tcp, 5);
	assert_int_equal(s.services[web].other, 1);
	assert_int_equal(s.services[web].states[TS_ESTABLISHED], 4);
	assert_int_equal(s.services[web].fds, 8 + 4);
	assert_int_equal(proc_service(&s, 1), web);
	assert_true(sock_in_service(&s, s.listeners[listener_in(&s, 2)].sock, web));
	assert_false(sock_in_service(&s, s.listeners[listener_in(&s, 1)].sock, web));
	assert_true(sock_member(&s, s.listeners[listener_in(&s, 1)].sock, ROW_SERVICE, dock));
	/* A service's key finds it again; the two differ. */
	assert_int_equal(model_row_find(&s, ROW_SERVICE, model_row_key(&s, ROW_SERVICE, web)), web);
	assert_false(row_key_eq(model_row_key(&s, ROW_SERVICE, web),
				model_row_key(&s, ROW_SERVICE, dock)));
	/* A namespace without a name of its own takes its first process's service. */
	{
		size_t len;
		const char *n = netns_name(&s, s.pstats[2].netns, &len);

		assert_int_equal(len, strlen("web.service"));
		assert_memory_equal(n, "web.service", len);
	}
	snapshot_fini(&s);
}

static void test_filters(void **state)
{
	struct filter f = { NULL, 0, -1, NS_B, NULL, NULL };
	struct row_list rl = { 0 };
	struct snapshot s;
	size_t i;

	(void)state;
	/* --netns: B's processes, listener and sockets only. */
	build_two(&s);
	snapshot_join(&s, &f);
	assert_false(s.pstats[0].shown);
	assert_true(s.pstats[1].shown);
	assert_false(s.pstats[2].shown);
	assert_int_equal(s.nlisteners, 1);
	assert_int_equal(s.socks.v[s.listeners[0].sock].netns, 2);
	assert_int_equal(s.listeners[0].connections, 2);
	model_rows(&s, &f, ROW_SOCKET, &rl);
	assert_int_equal(rl.n, 2 * 2 + 2); /* both ends of 2, the listener, the TIME_WAIT */
	for (i = 0; i < rl.n; i++)
		assert_int_equal(s.socks.v[rl.v[i]].netns, 2);
	for (i = 0; i < s.nports; i++)
		assert_int_equal(s.ports[i].netns, 2);
	snapshot_fini(&s);

	/* --service: its processes, in whatever namespace. */
	f.netns = 0;
	f.service = "web.service";
	build_two(&s);
	snapshot_join(&s, &f);
	assert_false(s.pstats[0].shown);
	assert_true(s.pstats[1].shown);
	assert_true(s.pstats[2].shown);
	assert_int_equal(s.nservices, 1);
	assert_int_equal(s.nlisteners, 1);
	snapshot_fini(&s);
	row_list_fini(&rl);
}

/*
 * Two workers of one service, each one socket more every 4 s over a 60 s
 * window: 15 each, below --growth-min 20; their sum rises by 30. Only the
 * service is flagged, for growth.
 */
static void test_service_growth(void **state)
{
	struct leak_config lc = { 60, 20, 10, 10, 30, 10, 30, 0.8, 0.95 };
	struct history *h = history_new(&lc);
	struct snapshot s;
	uint32_t ino[2][64];
	int t, w, k;

	(void)state;
	for (w = 0; w < 2; w++)
		for (k = 0; k < 64; k++)
			ino[w][k] = 1000 + (uint32_t)(w * 100 + k);
	snapshot_init(&s);
	for (t = 0; t <= 60; t++) {
		snapshot_reset(&s);
		for (w = 0; w < 2; w++) {
			struct proc_rec *p =
				add_proc(&s.procs, 500 + w, ino[w], 5 + (size_t)t / 4, 1);

			p->start = 42;
			set_cgroup(&s, p, "/system.slice/prefork.service");
		}
		snapshot_join(&s, NULL);
		history_update(h, &s, 1000.0 + t);
	}
	assert_int_equal(s.nservices, 1);
	for (w = 0; w < 2; w++)
		assert_false(s.leak[w].reasons & LR_GROWTH);
	assert_true(s.svc_leak[0].reasons & LR_GROWTH);
	assert_int_not_equal(s.svc_leak[0].level, LEAK_OK);
	assert_true(s.svc_leak[0].has_growth);
	snapshot_fini(&s);
	history_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_namespace),  cmocka_unit_test(test_undumped_not_dead),
		cmocka_unit_test(test_services),       cmocka_unit_test(test_filters),
		cmocka_unit_test(test_service_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
