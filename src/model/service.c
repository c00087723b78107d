/*
 * service.c: the service a process belongs to, told by the path of its
 * cgroup (pure: the path comes from proc_parse_cgroup).
 *
 * The path is read one component at a time from the innermost outwards, and
 * what decides is, in this order:
 *
 * 1. A Kubernetes pod: a component with the word "kubepods" in it ("kubepods",
 *    "kubepods.slice", "kubepods-burstable.slice", "kubelet-kubepods.slice";
 *    words are split at '-' and '.'). Its name is the short id of the innermost
 *    container id inward of it, else the pod ("pod<uid>" of the cgroupfs
 *    driver, the "pod<uid>" word of a systemd driver's slice, whose uid has
 *    '_' for '-': kept as written), else that component itself.
 * 2. The innermost container: "docker-ID.scope" or "/docker/ID" (Docker),
 *    "libpod-ID.scope" (Podman; "libpod-conmon-" is its monitor, outside the
 *    container), "cri-containerd-ID.scope" or "crio-ID.scope" (a Kubernetes
 *    runtime outside a kubepods tree; "crio-conmon-" is the monitor again),
 *    named by the first 12 digits of the id; "lxc.payload.NAME", or NAME below
 *    "lxc" or "lxc.payload" (LXC, LXD), named NAME. ".scope" is optional after
 *    an id (the cgroupfs drivers leave it out); an id is 12 to 64 lowercase
 *    hex digits, a bare one (after "docker" or in a kubepods tree) exactly 64.
 * 3. The innermost systemd unit: a component ending in ".service" or ".scope",
 *    named as it is. A unit with a "payload" child is a machine of
 *    systemd-nspawn or machined, and the units inside it are the machine's:
 *    the innermost such unit wins over the units of its payload.
 * 4. Else the path itself, the root as "/": a process directly in a slice is
 *    in no unit.
 *
 * Components inward of the one that decides are the service's own sub-cgroups
 * ("container" of crun, "init.scope" of a systemd in a container, a delegated
 * sub-tree of a unit, the units of a container's own systemd): they do not
 * change the answer. So a container wins over the units inside it, and the
 * innermost of nested containers wins.
 */
#include <string.h>

#include "sockwatch/service.h"

#define SHORT_ID 12 /* digits of a short container id, as docker ps shows it */
#define ID_MIN	 12
#define ID_MAX	 64

/* One component of a path: n bytes at p, no '/'. */
struct comp {
	const char *p;
	size_t n;
};

const char *service_kind_name(unsigned kind)
{
	static const char *const names[] = {
		[SVC_SYSTEMD] = "systemd",	 [SVC_DOCKER] = "docker", [SVC_PODMAN] = "podman",
		[SVC_KUBERNETES] = "kubernetes", [SVC_LXC] = "lxc",	  [SVC_CGROUP] = "cgroup",
	};

	return kind < ARRAY_LEN(names) ? names[kind] : "?";
}

/* The component that ends at or before *pos, slashes skipped: 1, *pos at its start; 0 if none. */
static int comp_before(const char *path, size_t *pos, struct comp *c)
{
	size_t end = *pos, start;

	while (end > 0 && path[end - 1] == '/')
		end--;
	if (end == 0)
		return 0;
	for (start = end; start > 0 && path[start - 1] != '/'; start--)
		;
	c->p = path + start;
	c->n = end - start;
	*pos = start;
	return 1;
}

static int comp_is(const struct comp *c, const char *s)
{
	size_t n = strlen(s);

	return c->n == n && memcmp(c->p, s, n) == 0;
}

/* Whether c starts with s and has more after it; *rest is what follows. */
static int comp_after(const struct comp *c, const char *s, struct comp *rest)
{
	size_t n = strlen(s);

	if (c->n <= n || memcmp(c->p, s, n) != 0)
		return 0;
	rest->p = c->p + n;
	rest->n = c->n - n;
	return 1;
}

/* Whether c ends with s and has more before it. */
static int comp_ends(const struct comp *c, const char *s)
{
	size_t n = strlen(s);

	return c->n > n && memcmp(c->p + c->n - n, s, n) == 0;
}

static int all_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	}
	return 1;
}

static int is_id(const struct comp *c)
{
	return c->n >= ID_MIN && c->n <= ID_MAX && all_hex(c->p, c->n);
}

static int is_bare_id(const struct comp *c)
{
	return c->n == ID_MAX && all_hex(c->p, c->n);
}

/* A runtime's cgroup of one container: PREFIX, an id, maybe ".scope". */
static int container_comp(const struct comp *c, enum service_kind *kind, struct comp *id)
{
	static const struct {
		const char *prefix;
		enum service_kind kind;
	} forms[] = {
		{ "docker-", SVC_DOCKER },
		{ "libpod-", SVC_PODMAN },
		{ "cri-containerd-", SVC_KUBERNETES },
		{ "crio-", SVC_KUBERNETES },
	};

	for (size_t i = 0; i < ARRAY_LEN(forms); i++) {
		struct comp rest;

		if (!comp_after(c, forms[i].prefix, &rest))
			continue;
		if (comp_ends(&rest, ".scope"))
			rest.n -= strlen(".scope");
		if (!is_id(&rest))
			continue; /* "libpod-conmon-ID.scope", "crio-conmon-ID.scope", ... */
		*kind = forms[i].kind;
		*id = rest;
		return 1;
	}
	return 0;
}

/* "pod" and a uid (hex digits, '-', '_'): the cgroupfs driver's name of a pod. */
static int pod_word(const char *p, size_t n)
{
	if (n <= 3 || memcmp(p, "pod", 3) != 0)
		return 0;
	for (size_t i = 3; i < n; i++) {
		char ch = p[i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
		      (ch >= 'A' && ch <= 'F') || ch == '-' || ch == '_'))
			return 0;
	}
	return 1;
}

/* A pod's cgroup: "pod<uid>", or a slice whose last '-' word is "pod<uid>". *pod is that word. */
static int pod_comp(const struct comp *c, struct comp *pod)
{
	if (comp_ends(c, ".slice")) {
		size_t n = c->n - strlen(".slice");
		const char *dash = memrchr(c->p, '-', n);
		const char *w = dash ? dash + 1 : c->p;
		size_t wn = n - (size_t)(w - c->p);

		if (!pod_word(w, wn))
			return 0;
		pod->p = w;
		pod->n = wn;
		return 1;
	}
	if (!pod_word(c->p, c->n))
		return 0;
	*pod = *c;
	return 1;
}

/* Whether "kubepods" is a word of c, between '-' or the start and '-', '.' or the end. */
static int kubepods_comp(const struct comp *c)
{
	static const char w[] = "kubepods";
	const size_t wl = sizeof(w) - 1;

	for (size_t i = 0; i + wl <= c->n; i++) {
		size_t e = i + wl;

		if (memcmp(c->p + i, w, wl) != 0 || (i > 0 && c->p[i - 1] != '-'))
			continue;
		if (e == c->n || c->p[e] == '-' || c->p[e] == '.')
			return 1;
	}
	return 0;
}

static int unit_comp(const struct comp *c)
{
	return comp_ends(c, ".service") || comp_ends(c, ".scope");
}

static enum service_kind answer(enum service_kind kind, const char *p, size_t n,
				struct strbuf *name)
{
	if (name != NULL)
		sb_append(name, p, n);
	return kind;
}

enum service_kind service_classify(const char *path, size_t len, struct strbuf *name)
{
	struct comp c, parent, id, cont = { NULL, 0 }, kid = { NULL, 0 }, pod = { NULL, 0 };
	struct comp unit = { NULL, 0 };
	enum service_kind kind, ckind = SVC_CGROUP;
	int machine = 0;
	size_t pos = len;

	while (comp_before(path, &pos, &c)) {
		size_t ppos = pos;
		int has_parent = comp_before(path, &ppos, &parent);

		if (container_comp(&c, &kind, &id)) {
			if (kid.p == NULL)
				kid = id;
			if (cont.p == NULL) {
				cont = id;
				ckind = kind;
			}
		} else if (is_bare_id(&c)) {
			/* A bare id is a container after "docker", or in a kubepods tree. */
			if (kid.p == NULL)
				kid = c;
			if (cont.p == NULL && has_parent && comp_is(&parent, "docker")) {
				cont = c;
				ckind = SVC_DOCKER;
			}
		} else if (cont.p == NULL && comp_after(&c, "lxc.payload.", &id)) {
			cont = id;
			ckind = SVC_LXC;
		} else if (cont.p == NULL && has_parent &&
			   (comp_is(&parent, "lxc") || comp_is(&parent, "lxc.payload"))) {
			cont = c;
			ckind = SVC_LXC;
		}
		if (pod.p == NULL && pod_comp(&c, &id))
			pod = id;
		if (kubepods_comp(&c)) {
			if (kid.p != NULL)
				return answer(SVC_KUBERNETES, kid.p, SHORT_ID, name);
			if (pod.p != NULL)
				return answer(SVC_KUBERNETES, pod.p, pod.n, name);
			return answer(SVC_KUBERNETES, c.p, c.n, name);
		}
		if (!machine && has_parent && comp_is(&c, "payload") && unit_comp(&parent)) {
			unit = parent; /* the machine, over the units inside it */
			machine = 1;
		} else if (unit.p == NULL && unit_comp(&c)) {
			unit = c;
		}
	}
	if (cont.p != NULL)
		return answer(ckind, cont.p, ckind == SVC_LXC ? cont.n : SHORT_ID, name);
	if (unit.p != NULL)
		return answer(SVC_SYSTEMD, unit.p, unit.n, name);
	if (len == 0)
		return answer(SVC_CGROUP, "/", 1, name);
	return answer(SVC_CGROUP, path, len, name);
}
