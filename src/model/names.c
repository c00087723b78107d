/* names.c: names of states, protocols and addresses as users read them. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/model.h"

const char *tcp_state_name(unsigned state)
{
	static const char *const names[] = {
		[TS_ESTABLISHED] = "established",
		[TS_SYN_SENT] = "syn_sent",
		[TS_SYN_RECV] = "syn_recv",
		[TS_FIN_WAIT1] = "fin_wait1",
		[TS_FIN_WAIT2] = "fin_wait2",
		[TS_TIME_WAIT] = "time_wait",
		[TS_CLOSE] = "close",
		[TS_CLOSE_WAIT] = "close_wait",
		[TS_LAST_ACK] = "last_ack",
		[TS_LISTEN] = "listen",
		[TS_CLOSING] = "closing",
		[TS_NEW_SYN_RECV] = "new_syn_recv",
		[TS_BOUND_INACTIVE] = "bound_inactive",
	};

	if (state < ARRAY_LEN(names) && names[state] != NULL)
		return names[state];
	return "unknown";
}

const char *sock_proto_name(unsigned proto)
{
	static const char *const names[] = {
		[SP_TCP] = "tcp",	   [SP_UDP] = "udp",	     [SP_UDPLITE] = "udplite",
		[SP_UNIX_STREAM] = "unix", [SP_UNIX_DGRAM] = "unix", [SP_UNIX_SEQPACKET] = "unix",
	};

	return proto < ARRAY_LEN(names) ? names[proto] : "unknown";
}

const char *sock_type_name(const struct sock_rec *r)
{
	switch (r->proto) {
	case SP_TCP:
		return r->family == AF_INET6 ? "tcp6" : "tcp";
	case SP_UDP:
		return r->family == AF_INET6 ? "udp6" : "udp";
	case SP_UDPLITE:
		return r->family == AF_INET6 ? "udplite6" : "udplite";
	case SP_UNIX_STREAM:
		return "u_str";
	case SP_UNIX_DGRAM:
		return "u_dgr";
	case SP_UNIX_SEQPACKET:
		return "u_seq";
	}
	return "unknown";
}

unsigned sock_proto_by_kernel_name(const char *name)
{
	/* The names of the kernel's struct proto (tcp_prot, tcpv6_prot, ...). */
	static const struct {
		const char *name;
		unsigned proto;
	} names[] = {
		{ "TCP", SP_TCP },   { "TCPv6", SP_TCP },	 { "UDP", SP_UDP },
		{ "UDPv6", SP_UDP }, { "UDP-Lite", SP_UDPLITE }, { "UDPLITEv6", SP_UDPLITE },
	};
	size_t i;

	if (strncmp(name, "UNIX", 4) == 0) /* "UNIX", "UNIX-STREAM": any UNIX socket */
		return SP_UNIX_STREAM;
	for (i = 0; i < ARRAY_LEN(names); i++) {
		if (strcmp(name, names[i].name) == 0)
			return names[i].proto;
	}
	return SP_COUNT;
}

void sock_addr_format(struct strbuf *sb, int family, const uint8_t *addr)
{
	char buf[INET6_ADDRSTRLEN];

	if (family != AF_INET && family != AF_INET6) {
		sb_puts(sb, "*");
		return;
	}
	if (inet_ntop(family, addr, buf, sizeof buf) != NULL)
		sb_puts(sb, buf);
	else
		sb_puts(sb, "?");
}
