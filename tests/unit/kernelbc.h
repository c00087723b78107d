/*
 * kernelbc.h: the kernel's side of INET_DIAG_REQ_BYTECODE, copied in spirit from
 * net/ipv4/inet_diag.c (inet_diag_bc_audit, inet_diag_bc_run) for the tests: whether
 * the kernel takes a program, and what it does with one socket. Header-only: the unit
 * test and the fuzz target each include it.
 */
#ifndef SOCKWATCH_TEST_KERNELBC_H
#define SOCKWATCH_TEST_KERNELBC_H

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/inet_diag.h>

struct kentry {
	const uint8_t *saddr, *daddr;
	uint16_t sport, dport, family;
};

static inline int bitstring_match(const uint8_t *a1, const uint8_t *a2, int bits)
{
	int words = bits / 8, rest = bits % 8;

	if (words && memcmp(a1, a2, (size_t)words))
		return 0;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff00u >> rest);

		if ((a1[words] ^ a2[words]) & mask)
			return 0;
	}
	return 1;
}

static inline int kernel_run(const uint8_t *bc, int len, const struct kentry *en)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	while (len > 0) {
		struct inet_diag_bc_op op;
		int yes = 1;

		memcpy(&op, bc, sizeof op);
		switch (op.code) {
		case INET_DIAG_BC_NOP:
			break;
		case INET_DIAG_BC_JMP:
			yes = 0;
			break;
		case INET_DIAG_BC_S_GE:
		case INET_DIAG_BC_S_LE:
		case INET_DIAG_BC_D_GE:
		case INET_DIAG_BC_D_LE: {
			struct inet_diag_bc_op arg;

			memcpy(&arg, bc + 4, sizeof arg);
			if (op.code == INET_DIAG_BC_S_GE)
				yes = en->sport >= arg.no;
			else if (op.code == INET_DIAG_BC_S_LE)
				yes = en->sport <= arg.no;
			else if (op.code == INET_DIAG_BC_D_GE)
				yes = en->dport >= arg.no;
			else
				yes = en->dport <= arg.no;
			break;
		}
		case INET_DIAG_BC_S_COND:
		case INET_DIAG_BC_D_COND: {
			struct inet_diag_hostcond cond;
			const uint8_t *addr =
				op.code == INET_DIAG_BC_S_COND ? en->saddr : en->daddr;
			const uint8_t *caddr = bc + 4 + sizeof cond;

			memcpy(&cond, bc + 4, sizeof cond);
			if (cond.port != -1 &&
			    cond.port != (op.code == INET_DIAG_BC_S_COND ? en->sport : en->dport)) {
				yes = 0;
				break;
			}
			if (cond.family != AF_UNSPEC && cond.family != en->family) {
				if (en->family == AF_INET6 && cond.family == AF_INET &&
				    memcmp(addr, mapped, 12) == 0 &&
				    bitstring_match(addr + 12, caddr, cond.prefix_len))
					break;
				yes = 0;
				break;
			}
			if (cond.prefix_len == 0)
				break;
			if (bitstring_match(addr, caddr, cond.prefix_len))
				break;
			yes = 0;
			break;
		}
		default:
			return 0; /* an op the auditor would have refused */
		}
		if (yes) {
			len -= op.yes;
			bc += op.yes;
		} else {
			len -= op.no;
			bc += op.no;
		}
	}
	return len == 0;
}

static inline int valid_cc(const uint8_t *bc, int len, int cc)
{
	while (len >= 0) {
		struct inet_diag_bc_op op;

		if (cc > len)
			return 0;
		if (cc == len)
			return 1;
		memcpy(&op, bc, sizeof op);
		if (op.yes < 4 || op.yes & 3)
			return 0;
		len -= op.yes;
		bc += op.yes;
	}
	return 0;
}

/* inet_diag_bc_audit: 1 when the kernel would take the program. */
static inline int kernel_audit(const uint8_t *bytecode, int bytecode_len)
{
	const uint8_t *bc = bytecode;
	int len = bytecode_len;

	while (len > 0) {
		struct inet_diag_bc_op op;
		int min_len = sizeof op;

		memcpy(&op, bc, sizeof op);
		switch (op.code) {
		case INET_DIAG_BC_S_COND:
		case INET_DIAG_BC_D_COND: {
			struct inet_diag_hostcond cond;
			int alen;

			if (len < (int)(sizeof op + sizeof cond))
				return 0;
			memcpy(&cond, bc + 4, sizeof cond);
			alen = cond.family == AF_UNSPEC ? 0 : cond.family == AF_INET ? 4 : 16;
			if (cond.family != AF_UNSPEC && cond.family != AF_INET &&
			    cond.family != AF_INET6)
				return 0;
			min_len += (int)sizeof cond + alen;
			if (len < min_len || cond.prefix_len > 8 * alen)
				return 0;
			break;
		}
		case INET_DIAG_BC_S_GE:
		case INET_DIAG_BC_S_LE:
		case INET_DIAG_BC_D_GE:
		case INET_DIAG_BC_D_LE:
			min_len += (int)sizeof op;
			if (len < min_len)
				return 0;
			break;
		case INET_DIAG_BC_JMP:
		case INET_DIAG_BC_NOP:
			break;
		default:
			return 0;
		}
		if (op.code != INET_DIAG_BC_NOP) {
			if (op.no < min_len || op.no > len + 4 || op.no & 3)
				return 0;
			if (op.no < len && !valid_cc(bytecode, bytecode_len, len - op.no))
				return 0;
		}
		if (op.yes < min_len || op.yes > len + 4 || op.yes & 3)
			return 0;
		bc += op.yes;
		len -= op.yes;
	}
	return len == 0;
}

#endif
