/* service.h: the service a process belongs to, told by the path of its cgroup. */
#ifndef SOCKWATCH_SERVICE_H
#define SOCKWATCH_SERVICE_H

#include <stddef.h>

#include "sockwatch/util.h"

enum service_kind {
	SVC_SYSTEMD,	/* a systemd unit: "nginx.service", "session-3.scope" */
	SVC_DOCKER,	/* a Docker container: its short id */
	SVC_PODMAN,	/* a Podman container: its short id */
	SVC_KUBERNETES, /* a container of a Kubernetes pod: its short id, else "pod<uid>" */
	SVC_LXC,	/* an LXC or LXD container: its name */
	SVC_CGROUP,	/* none of these: the cgroup path itself ("/" for the root) */
	SVC_KIND_COUNT
};

/* "systemd", "docker", "podman", "kubernetes", "lxc", "cgroup"; "?" out of range. */
const char *service_kind_name(unsigned kind);

/*
 * The service a cgroup path belongs to: its kind, and its name appended to
 * name (unless name is NULL). The path is untrusted bytes, read only within
 * len; the name is raw bytes of it (or "/"), for the writers to escape. The
 * rules are in ARCHITECTURE.md and src/model/service.c.
 */
enum service_kind service_classify(const char *path, size_t len, struct strbuf *name);

#endif
