/*
 * Unit tests of the batch table writer's alignment when cells hold wide text (CJK,
 * emoji): every column starts (left-aligned) or ends (right-aligned) at the display
 * column of its title, measured independently with libc's mbstowcs() and wcswidth().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <cmocka.h>

#include "sockwatch/out.h"
#include "sockwatch/view.h"
#include "snapfix.h"
#include "widthfix.h"

/* U+7528 U+6237: 2 code points, 4 columns */
#define CJK_USER "\xe7\x94\xa8\xe6\x88\xb7"
/* U+1F600 x: 2 code points, 3 columns */
#define EMOJI_USER "\xf0\x9f\x98\x80x"
/* U+4E2D U+6587 U+8FDB U+7A0B */
#define CJK_COMM    "\xe4\xb8\xad\xe6\x96\x87\xe8\xbf\x9b\xe7\xa8\x8b"
#define CJK_CMDLINE "/opt/\xe4\xb8\xad\xe6\x96\x87 --\xe7\xab\xaf\xe5\x8f\xa3 80"
/* /run/, U+4E2D U+6587 U+1F600, .sock */
#define CJK_PATH "/run/\xe4\xb8\xad\xe6\x96\x87\xf0\x9f\x98\x80.sock"

/*
 * The fixture, plus pid 500 (comm and command line in CJK, a CJK user name) with a UNIX
 * listener on a CJK and emoji path, and an emoji user name for pid 200.
 */
static void build_wide(struct snapshot *s)
{
	static const uint32_t ino[] = { 50 };
	struct proc_rec *p;
	struct sock_rec *r;
	size_t i;

	build(s);
	p = add_proc(&s->procs, 500, ino, 1, 1);
	snprintf(p->comm, sizeof p->comm, "%s", CJK_COMM);
	p->cmdline = strpool_add(&s->procs.strs, CJK_CMDLINE, strlen(CJK_CMDLINE));
	for (i = 0; i < s->procs.n; i++) {
		const char *user = NULL;

		if (s->procs.v[i].pid == 500)
			user = CJK_USER;
		else if (s->procs.v[i].pid == 200)
			user = EMOJI_USER;
		if (user != NULL)
			s->procs.v[i].user = strpool_add(&s->procs.strs, user, strlen(user));
	}
	r = sock_table_add(&s->socks);
	r->family = AF_UNIX;
	r->proto = SP_UNIX_STREAM;
	r->state = TS_LISTEN;
	r->inode = 50;
	r->cookie = 5000;
	r->name = strpool_add(&s->socks.names, CJK_PATH, strlen(CJK_PATH));
	snapshot_join(s, NULL);
}

/*
 * Check every row of the table in out against its heading; need: text that some row must
 * hold (the wide one). Cells are told apart by spaces, which the fixture's cells other
 * than the last (COMMAND) do not hold.
 */
static void check_aligned(const struct snapshot *s, const char *out, enum view_id v,
			  const char *need)
{
	const struct view_def *vd = view_get(v);
	const struct column *cols[32];
	size_t ncols = 0;
	const char *head = strstr(out, "\n\n"), *line, *end, *p;
	int start[32], stop[32], rows = 0, seen = 0;
	size_t k;

	assert_non_null(head);
	assert_true(vd->ncols <= ARRAY_LEN(start));
	/* The columns the table shows: one that says the same on every row is left out. */
	for (k = 0; k < vd->ncols; k++)
		if (view_col_shown(s, &vd->cols[k]))
			cols[ncols++] = &vd->cols[k];
	head += 2;
	p = head;
	for (k = 0; k < ncols; k++) {
		p = strstr(p, cols[k]->title);
		assert_non_null(p);
		start[k] = libc_columns(head, (size_t)(p - head));
		stop[k] = start[k] + (int)strlen(cols[k]->title);
		p += strlen(cols[k]->title);
	}
	for (line = strchr(head, '\n') + 1; *line != '\0'; line = end + 1) {
		end = strchr(line, '\n');
		assert_non_null(end);
		if (strstr(line, need) != NULL && strstr(line, need) < end)
			seen = 1;
		p = line;
		for (k = 0; k < ncols; k++) {
			const char *cell;

			while (*p == ' ')
				p++;
			cell = p;
			if (k + 1 < ncols) {
				while (*p != ' ' && p < end)
					p++;
			} else {
				p = end;
			}
			assert_true(p > cell);
			if (cols[k]->right)
				assert_int_equal(libc_columns(line, (size_t)(p - line)), stop[k]);
			else
				assert_int_equal(libc_columns(line, (size_t)(cell - line)),
						 start[k]);
		}
		rows++;
	}
	assert_true(rows >= 2);
	assert_true(seen);
}

static void test_processes_aligned(void **state)
{
	struct out_opts o = { OUT_TABLE, VIEW_PROCESSES, NULL, 1.0, 1 };
	struct snapshot s;
	struct strbuf sb;

	(void)state;
	build_wide(&s);
	sb_init(&sb);
	out_write(&sb, &s, &o);
	assert_non_null(strstr(sb.buf, " " EMOJI_USER " "));
	assert_non_null(strstr(sb.buf, CJK_CMDLINE "\n"));
	check_aligned(&s, sb.buf, VIEW_PROCESSES, CJK_USER);
	sb_fini(&sb);
	snapshot_fini(&s);
}

static void test_listen_aligned(void **state)
{
	struct out_opts o = { OUT_TABLE, VIEW_LISTEN, NULL, 1.0, 1 };
	struct snapshot s;
	struct strbuf sb;

	(void)state;
	build_wide(&s);
	sb_init(&sb);
	out_write(&sb, &s, &o);
	check_aligned(&s, sb.buf, VIEW_LISTEN, CJK_PATH);
	sb_fini(&sb);
	snapshot_fini(&s);
}

static void test_sockets_aligned(void **state)
{
	struct out_opts o = { OUT_TABLE, VIEW_SOCKETS, NULL, 1.0, 1 };
	struct snapshot s;
	struct strbuf sb;

	(void)state;
	build_wide(&s);
	sb_init(&sb);
	out_write(&sb, &s, &o);
	check_aligned(&s, sb.buf, VIEW_SOCKETS, CJK_PATH);
	sb_fini(&sb);
	snapshot_fini(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_processes_aligned),
		cmocka_unit_test(test_listen_aligned),
		cmocka_unit_test(test_sockets_aligned),
	};

	/* As main() does; and mbstowcs() above needs a UTF-8 LC_CTYPE too. */
	if (!text_locale_init()) {
		fprintf(stderr, "test_table: no UTF-8 LC_CTYPE (C.UTF-8 is missing)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
