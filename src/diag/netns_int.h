/* netns_int.h: what dump.c and netns.c share about network namespaces (src/diag only). */
#ifndef SOCKWATCH_NETNS_INT_H
#define SOCKWATCH_NETNS_INT_H

#include <stdint.h>

struct diag;

/*
 * Run fn(arg) on a short-lived thread inside the network namespace that the
 * file path names, or right here when that is the caller's own. *ino is the
 * inode the namespace must have (0: any; then it is set). Returns fn's value,
 * or -errno when the namespace could not be entered, with *cause (when not
 * NULL) saying why; a failure of fn leaves *cause alone.
 */
int netns_call(const char *path, uint32_t *ino, int (*fn)(void *), void *arg, char **cause);

/*
 * diag_new (nspath NULL) and diag_new_in in one, for the namespace of inode
 * ino (0: whichever nspath names; another one is -ESTALE). *err (when not
 * NULL) gets the -errno of a failure.
 */
struct diag *diag_new_ns(const char *nspath, uint32_t ino, char **cause, int *err);
/* Make d's later sockets through nspath (another file naming the same namespace). */
void diag_set_nspath(struct diag *d, const char *nspath);

#endif
