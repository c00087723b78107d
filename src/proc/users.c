/* users.c: a uid -> user name cache, looked up once per uid with getpwuid_r. */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "users.h"

void proc_users_init(struct proc_users *u)
{
	memset(u, 0, sizeof(*u));
	hmap_init(&u->map, sizeof(uint32_t), 64);
	strpool_init(&u->names);
	u->gen = 1;
}

void proc_users_fini(struct proc_users *u)
{
	hmap_fini(&u->map);
	strpool_fini(&u->names);
	free(u->v);
	free(u->pwbuf);
	memset(u, 0, sizeof(*u));
}

void proc_users_begin(struct proc_users *u)
{
	u->gen++;
}

/*
 * Look uid up in the password database; 0 if it has no entry, or if the
 * lookup was short of fds or memory (then *retry: that is no answer).
 */
static uint32_t users_lookup(struct proc_users *u, uint32_t uid, int *retry)
{
	struct passwd pw, *res = NULL;
	int rc;

	if (!u->pwbuf) {
		long sz = sysconf(_SC_GETPW_R_SIZE_MAX);

		u->pwcap = sz > 0 ? (size_t)sz : 4096;
		u->pwbuf = xmalloc(u->pwcap);
	}
	while ((rc = getpwuid_r((uid_t)uid, &pw, u->pwbuf, u->pwcap, &res)) == ERANGE &&
	       u->pwcap < (1u << 20)) {
		free(u->pwbuf);
		u->pwcap *= 2;
		u->pwbuf = xmalloc(u->pwcap);
	}
	*retry = rc == EMFILE || rc == ENFILE || rc == ENOMEM;
	if (rc != 0 || !res || !res->pw_name || !res->pw_name[0])
		return 0;
	return strpool_add(&u->names, res->pw_name, strlen(res->pw_name));
}

uint32_t proc_users_name(struct proc_users *u, uint32_t uid, struct strpool *dst)
{
	struct proc_user_ent *e;
	uint32_t *slot;
	int isnew;
	const char *name;
	size_t len;

	slot = hmap_put(&u->map, &uid, &isnew);
	if (isnew) {
		if (u->n + 1 > u->cap)
			u->v = xgrow(u->v, &u->cap, u->n + 1, sizeof(*u->v));
		u->v[u->n] = (struct proc_user_ent){ 0 };
		*slot = (uint32_t)++u->n;
	}
	e = &u->v[*slot - 1];
	if (isnew || (e->retry && e->looked != u->gen)) {
		e->name = users_lookup(u, uid, &e->retry);
		e->looked = u->gen;
	}
	if (!e->name)
		return 0;
	if (e->gen != u->gen) {
		name = strpool_get(&u->names, e->name, &len);
		e->tab_off = strpool_add(dst, name, len);
		e->gen = u->gen;
	}
	return e->tab_off;
}
