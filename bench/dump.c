/*
 * dump: the bare sock_diag dump (the floor in ARCHITECTURE.md, "Performance targets").
 * One libmnl NETLINK_SOCK_DIAG socket with a 32 KiB receive buffer dumps
 * TCP and UDP over IPv4 and IPv6 and UNIX, counts the records and prints the
 * count. No attributes, no parsing beyond the netlink headers, no other output.
 *
 *   cc -O2 -o dump dump.c -lmnl
 */
#include "diagdump.h"

int main(void)
{
	struct dd_ctx c;

	printf("%ld\n", dd_dump_all(&c, 0));
	return 0;
}
