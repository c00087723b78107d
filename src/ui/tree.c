/*
 * tree.c: the processes view as a tree (t, F5): each process under its
 * parent, siblings in the view's sort order, and for a process with
 * children the totals of its subtree (an nginx master and its workers: how
 * many sockets and fds the whole server holds).
 *
 * The tree is of the rows shown: a process whose parent is filtered out, or
 * is not in /proc any more, is a root. The kernel gives every process one
 * parent (field 4 of /proc/PID/stat), so the links cannot loop; a guard
 * still ends a walk that would (a pid reused between two reads).
 */
#include <stdlib.h>
#include <string.h>

#include "ui_int.h"

struct pid_pos {
	int pid;
	uint32_t pos;
};

static int cmp_pid_pos(const void *a, const void *b)
{
	const struct pid_pos *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int64_t pos_of(const struct pid_pos *v, size_t n, int pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].pid == pid)
			return v[mid].pos;
		if (v[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Add row at pos (and, through a post-order, its subtree) into what its parent shows. */
static void add_below(struct ui_tree_row *t, const struct snapshot *s, uint32_t row,
		      struct ui_tree_row *parent)
{
	const struct proc_rec *p = &s->procs.v[row];

	parent->below += 1 + t->below;
	if (p->fd_readable)
		parent->sockets += proc_sockets(s, row);
	else
		parent->unknown |= 1;
	parent->sockets += t->sockets;
	if (p->fds >= 0)
		parent->fds += (uint64_t)p->fds;
	else
		parent->unknown |= 2;
	parent->fds += t->fds;
	parent->unknown |= t->unknown;
}

void ui_tree_order(struct ui *u)
{
	const struct snapshot *s = u->snap;
	size_t n = u->rows.n, i, out = 0, top;
	struct pid_pos *pp;
	int64_t *parent;
	uint32_t *first, *next, *stack, *order;
	struct ui_tree_row *t;

	u->tree = xgrow(u->tree, &u->treecap, n > 0 ? n : 1, sizeof *u->tree);
	if (n == 0)
		return;
	/*
	 * The scratch arrays, carved from one block kept in u (the tree is rebuilt
	 * at every refresh): the 8-byte aligned ones first, so that every slice is
	 * aligned for its type.
	 */
	u->tree_scratch = xgrow(u->tree_scratch, &u->tree_scratchcap, n,
				sizeof *t + sizeof *parent + sizeof *pp + 4 * sizeof(uint32_t));
	t = u->tree_scratch;
	parent = (int64_t *)(t + n);
	pp = (struct pid_pos *)(parent + n);
	first = (uint32_t *)(pp + n);
	next = first + n;
	stack = next + n;
	order = stack + n;
	memset(t, 0, n * sizeof *t);
	for (i = 0; i < n; i++) {
		pp[i].pid = s->procs.v[u->rows.v[i]].pid;
		pp[i].pos = (uint32_t)i;
		first[i] = next[i] = NONE;
	}
	qsort(pp, n, sizeof *pp, cmp_pid_pos);
	for (i = 0; i < n; i++) {
		const struct proc_rec *p = &s->procs.v[u->rows.v[i]];

		parent[i] = p->ppid > 0 && p->ppid != p->pid ? pos_of(pp, n, p->ppid) : -1;
	}
	/* Children in the sort order: pushed from the last row to the first. */
	for (i = n; i-- > 0;) {
		if (parent[i] >= 0) {
			next[i] = first[parent[i]];
			first[parent[i]] = (uint32_t)i;
		}
	}
	/* Depth first from each root, in the sort order; t[] is by the old position. */
	for (i = 0; i < n; i++) {
		if (parent[i] >= 0)
			continue;
		top = 0;
		stack[top++] = (uint32_t)i;
		t[i].depth = 0;
		while (top > 0 && out < n) {
			uint32_t at = stack[--top], c, k, from;

			if (t[at].placed)
				continue; /* a loop: never twice */
			t[at].placed = 1;
			order[out++] = at;
			/* Push the children, then turn them round: the first is taken next. */
			from = (uint32_t)top;
			for (c = first[at]; c != NONE && top < n; c = next[c]) {
				if (t[c].placed)
					continue;
				t[c].depth = t[at].depth < UI_TREE_DEPTH ? t[at].depth + 1
									 : UI_TREE_DEPTH;
				t[c].last = 0;
				/* Under a parent that is not its parent's last, a line runs on. */
				t[c].guides = t[at].guides;
				if (t[at].depth > 0 && !t[at].last)
					t[c].guides |= 1ull << (t[at].depth - 1);
				stack[top++] = c;
			}
			if (top == from)
				continue;
			t[stack[top - 1]].last = 1;
			for (k = 0; from + k < top - 1 - k; k++) {
				uint32_t x = stack[from + k];

				stack[from + k] = stack[top - 1 - k];
				stack[top - 1 - k] = x;
			}
		}
	}
	/* Rows a loop kept from every root: as roots, where they were. */
	for (i = 0; i < n && out < n; i++) {
		if (!t[i].placed) {
			t[i].placed = 1;
			t[i].depth = 0;
			order[out++] = (uint32_t)i;
		}
	}
	/* Subtree totals: children after their parents, so from the end back. */
	for (i = n; i-- > 0;) {
		uint32_t at = order[i];

		if (parent[at] >= 0 && t[parent[at]].placed && t[parent[at]].depth < t[at].depth)
			add_below(&t[at], s, u->rows.v[at], &t[parent[at]]);
	}
	for (i = 0; i < n; i++) {
		u->tree[i] = t[order[i]];
		stack[i] = u->rows.v[order[i]];
	}
	memcpy(u->rows.v, stack, n * sizeof *stack);
}

void ui_tree_prefix(const struct ui *u, int pos, struct strbuf *sb)
{
	const struct ui_tree_row *t = &u->tree[pos];
	int i;

	for (i = 0; i + 1 < t->depth; i++)
		sb_puts(sb, t->guides >> i & 1 ? "\xe2\x94\x82  " : "   "); /* │ */
	if (t->depth > 0)						    /* └─ or ├─ */
		sb_puts(sb, t->last ? "\xe2\x94\x94\xe2\x94\x80 " : "\xe2\x94\x9c\xe2\x94\x80 ");
	/* What the processes below hold, at least that much where one could not be read. */
	if (t->below > 0)
		sb_printf(sb, "[+%u: %s%llu sockets, %s%llu fds] ", t->below,
			  t->unknown & 1 ? "\xe2\x89\xa5" : "", (unsigned long long)t->sockets,
			  t->unknown & 2 ? "\xe2\x89\xa5" : "", (unsigned long long)t->fds);
}
