/* dump_int.h: what the unit tests may ask of dump.c beyond diag.h (src/diag and tests only). */
#ifndef SOCKWATCH_DUMP_INT_H
#define SOCKWATCH_DUMP_INT_H

struct diag;

/*
 * Tests: while on, d sends the one-walk TCP request cut short of its header,
 * which every kernel refuses with EINVAL, as a kernel without the request
 * would refuse it; so the fallback to dumps by family runs on a kernel that
 * has the request.
 */
void diag_test_break_compat(struct diag *d, int on);
/* Whether d dumps TCP by family (the kernel refused the one-walk request), 0 or 1. */
int diag_tcp_by_family(const struct diag *d);

#endif
