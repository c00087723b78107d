/*
 * dump: the bare sock_diag dump (the floor in ARCHITECTURE.md, "Performance targets").
 * One libmnl NETLINK_SOCK_DIAG socket with a 32 KiB receive buffer dumps
 * TCP and UDP over IPv4 and IPv6 and UNIX, counts the records and prints the
 * count. No attributes, no parsing beyond the netlink headers, no other output.
 * With --tcp-info the TCP requests ask for tcp_info (INET_DIAG_INFO), as
 * sockwatch does by default: the floor of any tool that reports traffic.
 *
 *   cc -O2 -o dump dump.c -lmnl
 */
#include "diagdump.h"

int main(int argc, char **argv)
{
	struct dd_ctx c;

	if (argc > 1 && strcmp(argv[1], "--tcp-info") == 0)
		dd_tcp_ext = 1 << (INET_DIAG_INFO - 1);
	printf("%ld\n", dd_dump_all(&c, 0));
	return 0;
}
