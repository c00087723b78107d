/* users.h: a uid -> user name cache that lives across scans (private to src/proc). */
#ifndef SOCKWATCH_PROC_USERS_H
#define SOCKWATCH_PROC_USERS_H

#include <stddef.h>
#include <stdint.h>

#include "sockwatch/util.h"

struct proc_user_ent {
	uint32_t name;	  /* offset in proc_users.names; 0: no such user */
	uint32_t gen;	  /* scan generation in which tab_off was set */
	uint32_t tab_off; /* offset of the name in the current table's pool */
	uint32_t looked;  /* scan generation of the last lookup */
	int retry;	  /* that lookup ran out of fds or memory: look again next scan */
};

struct proc_users {
	struct hmap map; /* uid -> index + 1 into v */
	struct proc_user_ent *v;
	size_t n;
	size_t cap;
	struct strpool names;
	uint32_t gen;
	char *pwbuf;
	size_t pwcap;
};

void proc_users_init(struct proc_users *u);
void proc_users_fini(struct proc_users *u);
/* Start a new scan whose strings go into a freshly reset pool. */
void proc_users_begin(struct proc_users *u);
/* The name of uid as an offset in dst (added once per scan), or 0 if unknown. */
uint32_t proc_users_name(struct proc_users *u, uint32_t uid, struct strpool *dst);

#endif
