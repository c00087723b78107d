/* config.c: the settings table shared by the command line and the config file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockwatch/config.h"

#define CONFIG_AT(field) offsetof(struct config, field)

/*
 * Every setting: name, type, bounds, default, --help text. Nothing else in
 * the program knows a setting's default or bounds; --help, the README's usage
 * block and the man page show what this table says.
 */
const struct setting config_settings[] = {
	{ .key = "delay",
	  .short_opt = 'd',
	  .type = SETTING_DECIMAL,
	  .min = 0.05,
	  .max = 86400,
	  .def = 1,
	  .arg = "SECONDS",
	  .help = "refresh interval, decimals allowed",
	  .offset = CONFIG_AT(delay) },
	/* A full rescan catches a close()+socket() that kept a process's fd count. */
	{ .key = "rescan",
	  .type = SETTING_COUNT,
	  .min = 1,
	  .max = 1000000,
	  .def = 30,
	  .arg = "N",
	  .help = "re-read every fd table every N refreshes",
	  .offset = CONFIG_AT(rescan) },
	/* tcp_info costs the kernel about a quarter of the dump: not every refresh. */
	{ .key = "traffic-interval",
	  .type = SETTING_DECIMAL,
	  .min = 0,
	  .max = 3600,
	  .def = 1,
	  .arg = "SECONDS",
	  .help = "read tcp_info (the traffic columns) every SECONDS",
	  .offset = CONFIG_AT(traffic_interval) },
	/* A recording can run for months: a cap and rotation bound its disk. */
	{ .key = "record-size",
	  .type = SETTING_COUNT,
	  .min = 1,
	  .max = 1048576,
	  .def = 64,
	  .arg = "MIB",
	  .help = "--record: a new file when one would pass MIB mebibytes",
	  .offset = CONFIG_AT(record_size) },
	{ .key = "record-keep",
	  .type = SETTING_COUNT,
	  .min = 0,
	  .max = 999,
	  .def = 3,
	  .arg = "N",
	  .help = "--record: older files kept (PATH.1 the newest of them, up to PATH.N)",
	  .offset = CONFIG_AT(record_keep) },
	{ .key = "window",
	  .type = SETTING_DECIMAL,
	  .min = 5,
	  .max = 86400,
	  .def = 60,
	  .arg = "SECONDS",
	  .help = "leak detection window",
	  .offset = CONFIG_AT(leak.window) },
	{ .key = "growth-min",
	  .type = SETTING_COUNT,
	  .min = 1,
	  .max = 10000000,
	  .def = 20,
	  .arg = "N",
	  .help = "growth: least rise of the socket count's floor",
	  .offset = CONFIG_AT(leak.growth_min) },
	{ .key = "growth-rate",
	  .type = SETTING_DECIMAL,
	  .min = 0,
	  .max = 1e9,
	  .def = 10,
	  .arg = "N",
	  .help = "growth: least rate, sockets per minute",
	  .offset = CONFIG_AT(leak.growth_rate_min) },
	{ .key = "close-wait-min",
	  .type = SETTING_COUNT,
	  .min = 1,
	  .max = 10000000,
	  .def = 10,
	  .arg = "N",
	  .help = "close_wait: lingering CLOSE_WAIT sockets to flag",
	  .offset = CONFIG_AT(leak.cw_min) },
	{ .key = "close-wait-age",
	  .type = SETTING_DECIMAL,
	  .min = 0,
	  .max = 86400,
	  .def = 30,
	  .arg = "SECONDS",
	  .help = "close_wait: age that counts as lingering",
	  .offset = CONFIG_AT(leak.cw_age) },
	{ .key = "dead-min",
	  .type = SETTING_COUNT,
	  .min = 1,
	  .max = 10000000,
	  .def = 10,
	  .arg = "N",
	  .help = "dead_sockets: lingering dead socket fds to flag",
	  .offset = CONFIG_AT(leak.dead_min) },
	{ .key = "dead-age",
	  .type = SETTING_DECIMAL,
	  .min = 0,
	  .max = 86400,
	  .def = 30,
	  .arg = "SECONDS",
	  .help = "dead_sockets: time dead that counts as lingering",
	  .offset = CONFIG_AT(leak.dead_age) },
	/* Not 0%: that would flag every process holding a single fd. */
	{ .key = "fd-warn",
	  .type = SETTING_PERCENT,
	  .min = 0,
	  .min_open = 1,
	  .max = 100,
	  .def = 80,
	  .arg = "PERCENT",
	  .help = "fd_limit: warning above this share of the limit",
	  .offset = CONFIG_AT(leak.fd_warn) },
	{ .key = "fd-crit",
	  .type = SETTING_PERCENT,
	  .min = 0,
	  .min_open = 1,
	  .max = 100,
	  .def = 95,
	  .arg = "PERCENT",
	  .help = "fd_limit: critical above this share",
	  .offset = CONFIG_AT(leak.fd_crit) },
};
const size_t config_nsettings = sizeof config_settings / sizeof config_settings[0];

static void setting_store(struct config *c, const struct setting *s, double v)
{
	char *p = (char *)c + s->offset;

	switch (s->type) {
	case SETTING_COUNT:
		*(uint32_t *)p = (uint32_t)v;
		break;
	case SETTING_PERCENT:
		*(double *)p = v / 100.0;
		break;
	case SETTING_DECIMAL:
		*(double *)p = v;
		break;
	}
}

double config_setting_get(const struct config *c, const struct setting *s)
{
	const char *p = (const char *)c + s->offset;

	switch (s->type) {
	case SETTING_COUNT:
		return *(const uint32_t *)p;
	case SETTING_PERCENT:
		return *(const double *)p * 100.0;
	case SETTING_DECIMAL:
		break;
	}
	return *(const double *)p;
}

void config_defaults(struct config *c)
{
	size_t i;

	memset(c, 0, sizeof *c);
	c->filter.uid = -1;
	c->proc_root = "/proc";
	for (i = 0; i < VIEW_COUNT; i++) {
		c->views[i].sort_col = -1;
		c->views[i].sort_desc = -1;
	}
	for (i = 0; i < config_nsettings; i++)
		setting_store(c, &config_settings[i], config_settings[i].def);
}

const struct setting *config_setting_find(const char *key)
{
	size_t i;

	for (i = 0; i < config_nsettings; i++) {
		if (strcmp(config_settings[i].key, key) == 0)
			return &config_settings[i];
	}
	return NULL;
}

/* Bounds as the user reads them: "5-86400", or "above 0, up to 100" when min is refused. */
static void setting_format_range(struct strbuf *sb, const struct setting *s)
{
	if (s->min_open)
		sb_printf(sb, "above %.10g, up to %.10g", s->min, s->max);
	else
		sb_printf(sb, "%.10g-%.10g", s->min, s->max);
}

void config_setting_describe(struct strbuf *sb, const struct setting *s)
{
	sb_printf(sb, "default %.10g, ", s->def);
	setting_format_range(sb, s);
}

/* The syntax of the type, then the table's bounds: the only bounds check there is. */
static int setting_parse(const struct setting *s, const char *v, double *out)
{
	unsigned long n;

	if (s->type == SETTING_COUNT) {
		if (parse_uint(v, ULONG_MAX, &n) != 0)
			return -1;
		*out = (double)n;
	} else if (parse_seconds(v, out) != 0) {
		return -1;
	}
	if (*out < s->min || *out > s->max || (s->min_open && *out == s->min))
		return -1;
	return 0;
}

/* "why 'value'" as *cause (value escaped); -1. */
static int bad_value(char **cause, const char *why, const char *value, const char *after)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_printf(&sb, "%s '", why);
	esc_text(&sb, value, strlen(value));
	sb_printf(&sb, "'%s", after);
	*cause = sb.buf;
	return -1;
}

static int yes_no(const char *v)
{
	static const char *const yes[] = { "yes", "on", "true", "1" }, *const no[] = { "no", "off",
										       "false",
										       "0" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(yes); i++) {
		if (strcmp(v, yes[i]) == 0)
			return 1;
		if (strcmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* The column of view v whose key is name (len bytes), or -1. */
static int view_column(enum view_id v, const char *name, size_t len)
{
	const struct view_def *vd = view_get(v);
	size_t k;

	for (k = 0; k < vd->ncols; k++) {
		if (!view_col_shown(NULL, &vd->cols[k]))
			continue; /* CSV's own columns: not on screen, not sortable there */
		if (strlen(vd->cols[k].key) == len && memcmp(vd->cols[k].key, name, len) == 0)
			return (int)k;
	}
	return -1;
}

/* "pid,user,command": column keys of the view, each once, at least one. */
static int set_columns(struct view_prefs *vp, enum view_id v, const char *value, char **cause)
{
	const char *p = value;
	int n = 0, k, j;

	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e != NULL ? (size_t)(e - p) : strlen(p);

		while (len > 0 && (*p == ' ' || *p == '\t'))
			p++, len--;
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		k = view_column(v, p, len);
		if (k < 0 || n == VIEW_MAX_COLS) {
			char name[64];

			snprintf(name, sizeof name, "%.*s", (int)(len < 60 ? len : 60), p);
			return bad_value(cause, len == 0 ? "empty column in" : "unknown column",
					 len == 0 ? value : name,
					 " (the CSV headings of the view: --view V -b -o csv)");
		}
		for (j = 0; j < n; j++) {
			if (vp->cols[j] == k)
				return bad_value(cause, "column named twice",
						 view_get(v)->cols[k].key, "");
		}
		vp->cols[n++] = k;
		if (e == NULL)
			break;
		p = e + 1;
	}
	vp->ncols = n;
	return 0;
}

/* The view of a key "VIEW.setting" (processes.columns), *setting after the dot; -1 none. */
static int key_view(const char *key, const char **setting)
{
	const char *dot = strchr(key, '.');
	char vname[16];

	if (dot == NULL || (size_t)(dot - key) >= sizeof vname)
		return -1;
	snprintf(vname, sizeof vname, "%.*s", (int)(dot - key), key);
	*setting = dot;
	return view_by_name(vname);
}

/* The keys that are words, not numbers: view, color, numeric and each view's columns and sort. */
static int set_word(struct config *c, const char *key, const char *value, char **cause)
{
	const char *dot;
	int v, k;

	if (strcmp(key, "view") == 0) {
		if ((v = view_by_name(value)) < 0)
			return bad_value(cause, "invalid view", value,
					 " (processes, listen, ports, sockets, services)");
		c->view = (enum view_id)v;
		return 0;
	}
	if (strcmp(key, "color") == 0) {
		if ((k = yes_no(value)) < 0)
			return bad_value(cause, "invalid color", value, " (yes or no)");
		/* NO_COLOR and --no-color win over "yes". */
		c->no_color |= !k;
		return 0;
	}
	if (strcmp(key, "numeric") == 0) {
		if ((k = yes_no(value)) < 0)
			return bad_value(cause, "invalid numeric", value, " (yes or no)");
		c->numeric = k; /* --numeric, read after the file, sets it again */
		return 0;
	}
	if ((v = key_view(key, &dot)) < 0)
		return 1;
	if (strcmp(dot, ".columns") == 0)
		return set_columns(&c->views[v], (enum view_id)v, value, cause);
	if (strcmp(dot, ".sort") == 0) {
		if (strcmp(value, "talkers") == 0)
			c->views[v].sort_col = VIEW_SORT_TALKERS;
		else if ((k = view_column((enum view_id)v, value, strlen(value))) >= 0)
			c->views[v].sort_col = k;
		else
			return bad_value(cause, "unknown sort column", value,
					 " (a CSV heading of the view, or talkers)");
		return 0;
	}
	if (strcmp(dot, ".sort-order") == 0) {
		if (strcmp(value, "descending") == 0)
			c->views[v].sort_desc = 1;
		else if (strcmp(value, "ascending") == 0)
			c->views[v].sort_desc = 0;
		else
			return bad_value(cause, "invalid sort-order", value,
					 " (ascending or descending)");
		return 0;
	}
	return 1;
}

int config_set(struct config *c, const char *key, const char *value, char **cause)
{
	const struct setting *s = config_setting_find(key);
	struct strbuf sb;
	double v;
	int rc;

	if (s == NULL && (rc = set_word(c, key, value, cause)) <= 0)
		return rc;
	sb_init(&sb);
	if (s == NULL) {
		sb_puts(&sb, "unknown setting '");
		esc_text(&sb, key, strlen(key));
		sb_putc(&sb, '\'');
		*cause = sb.buf;
		return -1;
	}
	if (setting_parse(s, value, &v) == 0) {
		setting_store(c, s, v);
		return 0;
	}
	sb_printf(&sb, "invalid %s '", key);
	esc_text(&sb, value, strlen(value));
	sb_printf(&sb, "' (%s, ", s->arg);
	setting_format_range(&sb, s);
	sb_putc(&sb, ')');
	*cause = sb.buf;
	return -1;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* "PATH: why" or "PATH:LINE: why" as *cause; -1. */
static int file_cause(char **cause, const char *path, unsigned lineno, const char *why)
{
	struct strbuf sb;

	sb_init(&sb);
	esc_text(&sb, path, strlen(path));
	if (lineno > 0)
		sb_printf(&sb, ":%u", lineno);
	sb_printf(&sb, ": %s", why);
	*cause = sb.buf;
	return -1;
}

/* What a file that is not a regular one is, for the line that refuses it. */
static const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "";
}

/*
 * The config file, opened for reading only if it is a regular file: opened
 * non-blocking, as a FIFO without a writer would block the open, then checked,
 * then made blocking again. A FILE, or NULL with *cause set (NULL and no
 * cause: a missing file that need not exist).
 */
static FILE *config_open(const char *path, int must_exist, char **cause)
{
	struct stat st;
	char why[64];
	FILE *f;
	int fd, fl;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (must_exist || errno != ENOENT)
			file_cause(cause, path, 0, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		file_cause(cause, path, 0, strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		const char *kind = file_kind(st.st_mode);

		snprintf(why, sizeof why, "%s%snot a regular file", kind, kind[0] ? ", " : "");
		file_cause(cause, path, 0, why);
		close(fd);
		return NULL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0 || (f = fdopen(fd, "r")) == NULL) {
		file_cause(cause, path, 0, strerror(errno));
		close(fd);
		return NULL;
	}
	return f;
}

int config_load_file(struct config *c, const char *path, int must_exist, char **cause)
{
	char line[1024], *why = NULL;
	unsigned lineno = 0;
	int rc = 0, err;
	FILE *f;

	*cause = NULL;
	f = config_open(path, must_exist, cause);
	if (f == NULL)
		return *cause != NULL ? -1 : 0;
	while (fgets(line, sizeof line, f) != NULL) {
		char *key, *eq, *hash;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			why = xstrdup("line too long");
			break;
		}
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		key = trim(line);
		if (*key == '\0')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			why = xstrdup("expected key = value");
			break;
		}
		*eq = '\0';
		if (config_set(c, trim(key), trim(eq + 1), &why) != 0)
			break;
	}
	err = errno;
	/* fgets() says NULL at the end and on an error alike (EIO from /proc/self/mem). */
	if (why == NULL && ferror(f)) {
		struct strbuf sb;

		sb_init(&sb);
		sb_printf(&sb, "cannot read: %s", strerror(err));
		rc = file_cause(cause, path, 0, sb.buf);
		sb_fini(&sb);
	}
	fclose(f);
	if (why == NULL)
		return rc;
	rc = file_cause(cause, path, lineno, why);
	free(why);
	return rc;
}

void config_user_path(char *buf, size_t size)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		snprintf(buf, size, "%s/sockwatch/config", xdg);
	else if (home != NULL && home[0] == '/')
		snprintf(buf, size, "%s/.config/sockwatch/config", home);
	else
		buf[0] = '\0';
}

const char *config_default_path(char *buf, size_t size)
{
	config_user_path(buf, size);
	if (buf[0] != '\0' && access(buf, F_OK) == 0)
		return buf;
	if (access("/etc/sockwatch.conf", F_OK) == 0)
		return "/etc/sockwatch.conf";
	return NULL;
}

/* Whether a config-file key is one the setup screen writes. */
static int setup_key(const char *key)
{
	const char *dot;

	if (strcmp(key, "view") == 0 || strcmp(key, "delay") == 0 || strcmp(key, "color") == 0 ||
	    strcmp(key, "numeric") == 0)
		return 1;
	return key_view(key, &dot) >= 0 &&
	       (strcmp(dot, ".columns") == 0 || strcmp(dot, ".sort") == 0 ||
		strcmp(dot, ".sort-order") == 0);
}

#define SETUP_MARK "# The setup screen (F2) writes the lines below; other lines are kept."

/* The lines of f that the setup screen does not own, into out. 0, or -1 with *why. */
static int keep_lines(FILE *f, struct strbuf *out, const char **why)
{
	char line[1024], key[1024], *eq, *k;

	while (fgets(line, sizeof line, f) != NULL) {
		if (strchr(line, '\n') == NULL && !feof(f)) {
			*why = "line too long";
			return -1;
		}
		if (strncmp(line, SETUP_MARK, strlen(SETUP_MARK)) == 0)
			continue;
		snprintf(key, sizeof key, "%s", line);
		if ((k = strchr(key, '#')) != NULL)
			*k = '\0';
		eq = strchr(key, '=');
		if (eq != NULL) {
			*eq = '\0';
			if (setup_key(trim(key)))
				continue;
		}
		sb_puts(out, line);
		if (strchr(line, '\n') == NULL)
			sb_putc(out, '\n');
	}
	return ferror(f) ? (*why = "cannot read", -1) : 0;
}

static void write_setup(const struct config *c, struct strbuf *out)
{
	int v, k;

	sb_printf(out, "%s\n", SETUP_MARK);
	sb_printf(out, "view = %s\n", view_get(c->view)->name);
	sb_printf(out, "delay = %.10g\n", c->delay);
	sb_printf(out, "color = %s\n", c->no_color ? "no" : "yes");
	sb_printf(out, "numeric = %s\n", c->numeric ? "yes" : "no");
	for (v = 0; v < VIEW_COUNT; v++) {
		const struct view_def *vd = view_get((enum view_id)v);
		const struct view_prefs *vp = &c->views[v];

		if (vp->ncols > 0) {
			sb_printf(out, "%s.columns = ", vd->name);
			for (k = 0; k < vp->ncols; k++)
				sb_printf(out, "%s%s", k > 0 ? "," : "", vd->cols[vp->cols[k]].key);
			sb_putc(out, '\n');
		}
		if (vp->sort_col == VIEW_SORT_TALKERS)
			sb_printf(out, "%s.sort = talkers\n", vd->name);
		else if (vp->sort_col >= 0 && (size_t)vp->sort_col < vd->ncols)
			sb_printf(out, "%s.sort = %s\n", vd->name, vd->cols[vp->sort_col].key);
		if (vp->sort_desc >= 0)
			sb_printf(out, "%s.sort-order = %s\n", vd->name,
				  vp->sort_desc ? "descending" : "ascending");
	}
}

/* mkdir -p of path's directory (0700: ~/.config is private by the XDG spec). */
static int make_parents(const char *path)
{
	char dir[4096];
	char *p;

	snprintf(dir, sizeof dir, "%s", path);
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(dir, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

int config_save(const struct config *c, const char *path, const char *base, char **cause)
{
	char tmp[4200];
	const char *why = NULL;
	struct strbuf out;
	FILE *f;
	ssize_t n;
	size_t off = 0;
	int fd, rc = -1;

	*cause = NULL;
	if (path == NULL || path[0] == '\0')
		return file_cause(cause, "config", 0,
				  "no place to save it (neither XDG_CONFIG_HOME "
				  "nor HOME is set; use --config FILE)");
	sb_init(&out);
	f = config_open(access(path, F_OK) == 0 || base == NULL || base[0] == '\0' ? path : base, 0,
			cause);
	if (f == NULL && *cause != NULL)
		goto out;
	if (f != NULL) {
		if (keep_lines(f, &out, &why) != 0) {
			fclose(f);
			file_cause(cause, path, 0, why);
			goto out;
		}
		fclose(f);
	}
	write_setup(c, &out);
	if (make_parents(path) != 0) {
		file_cause(cause, path, 0, strerror(errno));
		goto out;
	}
	snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		file_cause(cause, tmp, 0, strerror(errno));
		goto out;
	}
	while (off < out.len && (n = write(fd, out.buf + off, out.len - off)) > 0)
		off += (size_t)n;
	if (off < out.len || fsync(fd) != 0) {
		file_cause(cause, tmp, 0, strerror(errno != 0 ? errno : EIO));
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) != 0) {
		file_cause(cause, tmp, 0, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		file_cause(cause, path, 0, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	sb_fini(&out);
	return rc;
}
