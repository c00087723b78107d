/*
 * test_cgroup.c: recorded /proc/PID/cgroup files (tests/fixtures/cgroup) through
 * proc_parse_cgroup and service_classify, and the classifier's rules on
 * hand-written paths, hostile ones included.
 */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sockwatch/proc.h"
#include "sockwatch/service.h"

#define FIX_CGROUP SW_FIXTURES "/cgroup"

/* Ids of the fixtures, short (12 digits) as the classifier names containers. */
#define ID_DOCKER_V1  "bb252c3d7e70"
#define ID_DOCKER_SD  "9fd9cc720529"
#define ID_PODMAN     "457788d3c601"
#define ID_CONTAINERD "3889f016ad68"
#define ID_CRIO	      "56f56d759700"
#define ID_K8S_V1     "50810eac949b"
#define LONG_PODMAN   "457788d3c60151a10f7c03bb84ab2e26fd1bf08ef11d2fa0dea32992be16152c"
#define LONG_CRIO     "56f56d759700185c818156f894cfe5c75621266b7d2f8b894336fc0cbc9f8130"
#define POD_CRIO      "pod36b41e16_22f6_464e_8d24_f1359e63892c"

struct fixture {
	const char *file;
	const char *path; /* the line proc_parse_cgroup picks */
	enum service_kind kind;
	const char *name;
};

static const struct fixture fixtures[] = {
	/* cgroup v2 alone */
	{ "v2-service.txt", "/system.slice/nginx.service", SVC_SYSTEMD, "nginx.service" },
	/* hybrid: the "0::" line over the name=systemd one */
	{ "hybrid-session.txt", "/user.slice/user-1000.slice/session-3.scope", SVC_SYSTEMD,
	  "session-3.scope" },
	/* v1 alone: the name=systemd line; Docker's cgroupfs driver */
	{ "v1-docker-cgroupfs.txt",
	  "/docker/bb252c3d7e700954e8ad8a93dbae4c601e6d08bad771ce0d91802a41901fc4b3", SVC_DOCKER,
	  ID_DOCKER_V1 },
	/* v1 with a cgroup2 mount systemd does not use: "0::/" says nothing */
	{ "v1-cgroup2-mounted.txt", "/system.slice/sshd.service", SVC_SYSTEMD, "sshd.service" },
	{ "docker-systemd.txt",
	  "/system.slice/docker-9fd9cc7205296bd7d7b0165715c4fc71d017f68799d24e453964056d1ddb3918"
	  ".scope",
	  SVC_DOCKER, ID_DOCKER_SD },
	{ "podman.txt", "/machine.slice/libpod-" LONG_PODMAN ".scope/container", SVC_PODMAN,
	  ID_PODMAN },
	/* conmon watches the container from outside it: a scope of the host */
	{ "podman-conmon.txt", "/machine.slice/libpod-conmon-" LONG_PODMAN ".scope", SVC_SYSTEMD,
	  "libpod-conmon-" LONG_PODMAN ".scope" },
	{ "podman-rootless.txt",
	  "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" LONG_PODMAN ".scope",
	  SVC_PODMAN, ID_PODMAN },
	{ "k8s-containerd.txt",
	  "/kubepods.slice/kubepods-burstable.slice/"
	  "kubepods-burstable-poddcaf290b_bf85_436c_8bb7_38dc499c350e.slice/"
	  "cri-containerd-3889f016ad68d23160f63b4a72381edeb57cab68382b9331583071898987a6a5.scope",
	  SVC_KUBERNETES, ID_CONTAINERD },
	{ "k8s-crio.txt",
	  "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-" POD_CRIO
	  ".slice/crio-" LONG_CRIO ".scope",
	  SVC_KUBERNETES, ID_CRIO },
	/* CRI-O's conmon is no container: the pod names it */
	{ "k8s-crio-conmon.txt",
	  "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-" POD_CRIO
	  ".slice/crio-conmon-" LONG_CRIO ".scope",
	  SVC_KUBERNETES, POD_CRIO },
	{ "k8s-cgroupfs.txt",
	  "/kubepods/burstable/poda0a46658-e1a3-4742-830b-8402203adddf/"
	  "50810eac949b51bacbedab494f374a41fc10eb003464a441fe98a2c8ac3fe7b7",
	  SVC_KUBERNETES, ID_K8S_V1 },
	/* a container over the units of its own systemd */
	{ "lxc.txt", "/lxc.payload.web01/system.slice/nginx.service", SVC_LXC, "web01" },
	{ "lxc-legacy.txt", "/lxc/web01/init.scope", SVC_LXC, "web01" },
	{ "user-service.txt", "/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service",
	  SVC_SYSTEMD, "foo.service" },
	{ "init.txt", "/init.scope", SVC_SYSTEMD, "init.scope" },
	/* a machine over the units of its payload */
	{ "nspawn.txt",
	  "/machine.slice/systemd-nspawn@web.service/payload/system.slice/nginx.service",
	  SVC_SYSTEMD, "systemd-nspawn@web.service" },
	{ "slice.txt", "/system.slice", SVC_CGROUP, "/system.slice" },
	{ "plain.txt", "/batch/job-42", SVC_CGROUP, "/batch/job-42" },
	{ "root.txt", "/", SVC_CGROUP, "/" },
};

/* A whole fixture file in a buffer of exactly its size (a read past it is caught by ASan). */
static char *load(const char *file, size_t *len)
{
	char path[PATH_MAX];
	char *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", FIX_CGROUP, file);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Classify n bytes from a heap copy of exactly that size; the name into sb (reset first). */
static enum service_kind classify(const char *path, size_t n, struct strbuf *sb)
{
	char *copy = malloc(n ? n : 1);
	enum service_kind k;

	assert_non_null(copy);
	memcpy(copy, path, n);
	sb_reset(sb);
	k = service_classify(copy, n, sb);
	free(copy);
	return k;
}

/* Fail with the case, what came and what was wanted, unless they agree. */
static void expect_service(const char *what, enum service_kind kind, const struct strbuf *sb,
			   enum service_kind want, const char *want_name)
{
	const char *got = sb->buf != NULL ? sb->buf : "";

	if (kind != want || strcmp(got, want_name) != 0)
		fail_msg("%s: %s \"%s\", want %s \"%s\"", what, service_kind_name(kind), got,
			 service_kind_name(want), want_name);
}

static void test_fixtures(void **state)
{
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	for (size_t i = 0; i < ARRAY_LEN(fixtures); i++) {
		const struct fixture *f = &fixtures[i];
		const char *path;
		size_t len, plen;
		char *buf = load(f->file, &len);

		if (proc_parse_cgroup(buf, len, &path, &plen) != 0)
			fail_msg("%s: no cgroup line", f->file);
		if (plen != strlen(f->path) || memcmp(path, f->path, plen) != 0)
			fail_msg("%s: path %.*s", f->file, (int)plen, path);
		expect_service(f->file, classify(path, plen, &sb), &sb, f->kind, f->name);
		free(buf);
	}
	sb_fini(&sb);
}

/* Every fixture file is in the table above: none lies there untested. */
static void test_fixtures_listed(void **state)
{
	DIR *d = opendir(FIX_CGROUP);
	struct dirent *e;
	size_t n = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name), i;

		if (l < 4 || strcmp(e->d_name + l - 4, ".txt") != 0)
			continue;
		for (i = 0; i < ARRAY_LEN(fixtures); i++)
			if (strcmp(fixtures[i].file, e->d_name) == 0)
				break;
		if (i == ARRAY_LEN(fixtures))
			fail_msg("fixture %s is not tested", e->d_name);
		n++;
	}
	closedir(d);
	assert_int_equal(n, ARRAY_LEN(fixtures));
}

struct rule {
	const char *path;
	enum service_kind kind;
	const char *name;
};

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID12 "0123456789ab"

static const struct rule rules[] = {
	/* Docker */
	{ "/system.slice/docker-" ID64 ".scope", SVC_DOCKER, ID12 },
	{ "/docker/" ID64, SVC_DOCKER, ID12 },
	{ "/docker/" ID64 "/", SVC_DOCKER, ID12 }, /* slashes do not count */
	{ "//docker//" ID64, SVC_DOCKER, ID12 },
	{ "/system.slice/docker-" ID64 ".scope/init.scope", SVC_DOCKER, ID12 },
	{ "/system.slice/docker.service", SVC_SYSTEMD, "docker.service" },
	/* not ids: short, uppercase, too long, a bare id not under docker */
	{ "/docker/0123456789a", SVC_CGROUP, "/docker/0123456789a" },
	{ "/docker/" ID12, SVC_CGROUP, "/docker/" ID12 },
	{ "/system.slice/docker-0123456789AB.scope", SVC_SYSTEMD, "docker-0123456789AB.scope" },
	{ "/system.slice/docker-" ID64 "0.scope", SVC_SYSTEMD, "docker-" ID64 "0.scope" },
	{ "/other/" ID64, SVC_CGROUP, "/other/" ID64 },
	{ "/docker-" ID12 ".scope", SVC_DOCKER, ID12 }, /* a short id is an id after a prefix */
	/* Podman */
	{ "/machine.slice/libpod-" ID64 ".scope/container", SVC_PODMAN, ID12 },
	{ "/libpod_parent/libpod-" ID64, SVC_PODMAN, ID12 },
	{ "/machine.slice/libpod-conmon-" ID64 ".scope", SVC_SYSTEMD,
	  "libpod-conmon-" ID64 ".scope" },
	/* Kubernetes */
	{ "/kubepods/besteffort/pod1b2c3d4e-0000-4000-8000-000000000001/" ID64, SVC_KUBERNETES,
	  ID12 },
	{ "/kubepods/pod1b2c3d4e-0000-4000-8000-000000000001/" ID64, SVC_KUBERNETES, ID12 },
	{ "/kubepods/burstable/pod1b2c3d4e-0000-4000-8000-000000000001", SVC_KUBERNETES,
	  "pod1b2c3d4e-0000-4000-8000-000000000001" },
	{ "/kubepods.slice/kubepods-pod1b2c3d4e_0000_4000_8000_000000000001.slice/docker-" ID64
	  ".scope",
	  SVC_KUBERNETES, ID12 },
	{ "/kubepods.slice/kubepods-pod1b2c3d4e_0000_4000_8000_000000000001.slice", SVC_KUBERNETES,
	  "pod1b2c3d4e_0000_4000_8000_000000000001" },
	{ "/kubepods.slice/kubepods-burstable.slice", SVC_KUBERNETES, "kubepods-burstable.slice" },
	{ "/kubepods", SVC_KUBERNETES, "kubepods" },
	{ "/kubepods/burstable/pod1b2c3d4e/crio-" ID64, SVC_KUBERNETES, ID12 },
	{ "/system.slice/cri-containerd-" ID64 ".scope", SVC_KUBERNETES, ID12 },
	{ "/crio-" ID64 ".scope", SVC_KUBERNETES, ID12 },
	/* kind: a cluster's node in a Docker container */
	{ "/system.slice/docker-" ID64 ".scope/kubelet.slice/kubelet-kubepods.slice/"
	  "kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod00aa_11bb.slice/"
	  "cri-containerd-fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210.scope",
	  SVC_KUBERNETES, "fedcba987654" },
	/* "kubepods" must be a word */
	{ "/mykubepods.slice/x.service", SVC_SYSTEMD, "x.service" },
	{ "/kubepodsx/y.scope", SVC_SYSTEMD, "y.scope" },
	/* a pod word outside a kubepods tree means nothing */
	{ "/pod1234/" ID64, SVC_CGROUP, "/pod1234/" ID64 },
	/* LXC */
	{ "/lxc.payload.c1", SVC_LXC, "c1" },
	{ "/lxc.payload/c1/init.scope", SVC_LXC, "c1" },
	{ "/lxc/c1", SVC_LXC, "c1" },
	{ "/lxc.payload.", SVC_CGROUP, "/lxc.payload." },
	{ "/lxc.monitor.c1", SVC_CGROUP, "/lxc.monitor.c1" },
	{ "/lxc", SVC_CGROUP, "/lxc" },
	/* the innermost container wins */
	{ "/lxc.payload.c1/system.slice/docker-" ID64 ".scope", SVC_DOCKER, ID12 },
	/* systemd */
	{ "/system.slice/nginx.service/worker", SVC_SYSTEMD, "nginx.service" },
	{ "/system.slice/getty@tty1.service", SVC_SYSTEMD, "getty@tty1.service" },
	{ "/user.slice/user-1000.slice/user@1000.service", SVC_SYSTEMD, "user@1000.service" },
	{ "/user.slice/user-1000.slice/user@1000.service/init.scope", SVC_SYSTEMD, "init.scope" },
	{ "/machine.slice/machine-vm1.scope/payload", SVC_SYSTEMD, "machine-vm1.scope" },
	{ "/machine.slice/systemd-nspawn@web.service/supervisor", SVC_SYSTEMD,
	  "systemd-nspawn@web.service" },
	{ "/payload/a.service", SVC_SYSTEMD, "a.service" }, /* a payload outside a unit */
	{ "/.service", SVC_CGROUP, "/.service" },	    /* a suffix alone is no name */
	{ "/.scope/", SVC_CGROUP, "/.scope/" },
	{ "/a.slice/.service/b.scope", SVC_SYSTEMD, "b.scope" },
	/* cgroup namespaces show relative paths */
	{ "/../../system.slice", SVC_CGROUP, "/../../system.slice" },
	{ "system.slice/foo.service", SVC_SYSTEMD, "foo.service" },
	{ "/", SVC_CGROUP, "/" },
	{ "", SVC_CGROUP, "/" },
	{ "///", SVC_CGROUP, "///" },
};

static void test_rules(void **state)
{
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	for (size_t i = 0; i < ARRAY_LEN(rules); i++) {
		const struct rule *r = &rules[i];

		expect_service(r->path, classify(r->path, strlen(r->path), &sb), &sb, r->kind,
			       r->name);
	}
	sb_fini(&sb);
}

/* The name is appended; NULL asks for the kind alone. */
static void test_name_append(void **state)
{
	static const char p[] = "/system.slice/docker-" ID64 ".scope";
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	sb_puts(&sb, "svc=");
	assert_int_equal(service_classify(p, sizeof(p) - 1, &sb), SVC_DOCKER);
	assert_string_equal(sb.buf, "svc=" ID12);
	assert_int_equal(service_classify(p, sizeof(p) - 1, NULL), SVC_DOCKER);
	assert_int_equal(service_classify("/", 1, NULL), SVC_CGROUP);
	sb_fini(&sb);
}

/* Raw bytes: a NUL, a newline, high bytes are part of a name and kept as they are. */
static void test_hostile_bytes(void **state)
{
	static const char nul[] = "/system.slice/a\0b.service";
	static const char ctl[] = "/lxc.payload.\x1b[31m\xff\n";
	static const char hexnul[] = "/docker/0123456789ab\0def0123456789abcdef0123456789abcdef"
				     "0123456789abcdef";
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	assert_int_equal(classify(nul, sizeof(nul) - 1, &sb), SVC_SYSTEMD);
	assert_int_equal(sb.len, strlen("a") + 1 + strlen("b.service"));
	assert_memory_equal(sb.buf, "a\0b.service", sb.len);
	assert_int_equal(classify(ctl, sizeof(ctl) - 1, &sb), SVC_LXC);
	assert_int_equal(sb.len, 7);
	assert_memory_equal(sb.buf, "\x1b[31m\xff\n", 7);
	assert_int_equal(sizeof(hexnul) - 1, strlen("/docker/") + 64);
	assert_int_equal(classify(hexnul, sizeof(hexnul) - 1, &sb), SVC_CGROUP);
	assert_int_equal(sb.len, sizeof(hexnul) - 1);
	sb_fini(&sb);
}

/*
 * Every prefix and every suffix of every fixture path and rule, each from a
 * copy of exactly its size: the classifier reads nothing outside len (ASan
 * says so in a sanitized build), and always names something.
 */
static void test_cuts(void **state)
{
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	for (size_t i = 0; i < ARRAY_LEN(fixtures) + ARRAY_LEN(rules); i++) {
		const char *p = i < ARRAY_LEN(fixtures) ? fixtures[i].path
							: rules[i - ARRAY_LEN(fixtures)].path;
		size_t n = strlen(p);

		for (size_t k = 0; k <= n; k++) {
			enum service_kind kind = classify(p, k, &sb);

			assert_true(kind < SVC_KIND_COUNT);
			assert_true(sb.len > 0);
			kind = classify(p + k, n - k, &sb);
			assert_true(kind < SVC_KIND_COUNT);
			assert_true(sb.len > 0);
		}
	}
	sb_fini(&sb);
}

static void test_kind_names(void **state)
{
	static const char *const want[] = { "systemd",	  "docker", "podman",
					    "kubernetes", "lxc",    "cgroup" };

	(void)state;
	assert_int_equal(ARRAY_LEN(want), SVC_KIND_COUNT);
	for (unsigned k = 0; k < SVC_KIND_COUNT; k++)
		assert_string_equal(service_kind_name(k), want[k]);
	assert_string_equal(service_kind_name(SVC_KIND_COUNT), "?");
	assert_string_equal(service_kind_name(UINT_MAX), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),      cmocka_unit_test(test_fixtures_listed),
		cmocka_unit_test(test_rules),	      cmocka_unit_test(test_name_append),
		cmocka_unit_test(test_hostile_bytes), cmocka_unit_test(test_cuts),
		cmocka_unit_test(test_kind_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
