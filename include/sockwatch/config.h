/* config.h: every setting of a run, from the config file and the command line. */
#ifndef SOCKWATCH_CONFIG_H
#define SOCKWATCH_CONFIG_H

#include "sockwatch/check.h"
#include "sockwatch/leak.h"
#include "sockwatch/model.h"
#include "sockwatch/out.h"
#include "sockwatch/util.h"
#include "sockwatch/view.h"

/*
 * What the setup screen (F2) chooses for a view and the config file keeps:
 * VIEW.columns, VIEW.sort and VIEW.sort-order.
 */
#define VIEW_MAX_COLS 32
struct view_prefs {
	int cols[VIEW_MAX_COLS]; /* indices in the view's column table, in the order shown */
	int ncols;		 /* 0: every column, in the table's order */
	int sort_col;		 /* a column, VIEW_SORT_TALKERS, or -1: the view's default */
	int sort_desc;		 /* 1 descending, 0 ascending, -1: the view's default */
};

struct config {
	int batch;
	unsigned long iterations;
	int iterations_set;
	double delay;
	enum out_format format;
	int format_set; /* -o given: with --listen, batch output still goes to stdout */
	enum view_id view;
	struct filter filter;
	int no_color;
	int leaks_only;		     /* --leaks */
	int check;		     /* --check */
	struct check_opts checkopts; /* --check's thresholds, scope and timeout */
	uint32_t rescan;	     /* full fd-table rescan every N refreshes */
	struct leak_config leak;
	const char *proc_root;
	const char *output_file; /* --output-file: batch output appended there */
	int replace;		 /* --replace: each refresh replaces output_file whole */
	const char *listen;	 /* --listen ADDR:PORT: serve /metrics there */
	int socket_ages;	 /* keep each socket's first-seen time (the AGE column) */
	const char *netns_arg;	 /* --netns as given: "all", "host", a name or an inode */
	int netns_all;		 /* read every network namespace (else sockwatch's own and
				  * filter.netns) */
	uint32_t self_netns;	 /* inode of sockwatch's own network namespace, 0: unknown */
	int netns_hint;		 /* say once that only sockwatch's own namespace is read */
	int no_pushdown; /* --no-pushdown: the kernel lists every socket, sockwatch filters */
	int traffic;	 /* ask for tcp_info: rates, retransmits, RTT (--no-traffic: not) */
	double traffic_interval; /* ... every this many seconds, at most (--traffic-interval) */
	const char *record;	 /* --record PATH: each refresh appended to a recording */
	int record_sockets;	 /* --record-sockets: every socket in each record */
	uint32_t record_size;	 /* MiB a file of the recording may reach (--record-size) */
	uint32_t record_keep;	 /* older files kept (--record-keep) */
	const char *replay;    /* --replay PATH: show a recording instead of the kernel's tables */
	const char *from, *to; /* --from, --to: the part of it to replay (NULL: all) */
	int numeric; /* --numeric: tables show ports as numbers, not /etc/services names */
	struct sock_expr *expr; /* the FILTER words parsed (filter.expr), owned; NULL: none */
	struct view_prefs views[VIEW_COUNT];
	/* The file read (NULL: none) and the one the setup screen writes: --config, else
	 * $XDG_CONFIG_HOME/sockwatch/config (~/.config/...); "" when there is no home. */
	char config_read[4096];
	char config_write[4096];
};

/* Defaults for everything. */
void config_defaults(struct config *c);

/*
 * The settings that are both options (--key value) and config-file keys
 * (key = value). config_settings is the one place that says what each is:
 * its type, bounds, default and --help text; config_defaults() applies the
 * defaults from it and config_set() checks the bounds from it.
 */
enum setting_type {
	SETTING_DECIMAL, /* a double: seconds, a rate */
	SETTING_COUNT,	 /* a whole number, stored as uint32_t */
	SETTING_PERCENT, /* a decimal percentage, stored as a fraction (double) */
};

struct setting {
	const char *key; /* option name without "--", and config-file key */
	char short_opt;	 /* 'd' for -d, or 0 */
	enum setting_type type;
	double min, max;  /* accepted values as the user writes them (80 for 80%) */
	int min_open;	  /* min itself is refused, only values above it */
	double def;	  /* the default, in the same unit */
	const char *arg;  /* "SECONDS", "N", "PERCENT", ... for --help */
	const char *help; /* one line for --help; the default and bounds are added */
	size_t offset;	  /* of the value in struct config */
};
extern const struct setting config_settings[];
extern const size_t config_nsettings;

/* The setting named key, or NULL. */
const struct setting *config_setting_find(const char *key);
/* "default 60, 5-86400": what --help shows after a setting's text. */
void config_setting_describe(struct strbuf *sb, const struct setting *s);
/* The value of a setting in c, in the unit the user writes (80 for 80%). */
double config_setting_get(const struct config *c, const struct setting *s);

/*
 * Set key to value: 0, or -1 with *cause set (the caller frees it) when key
 * is unknown or value is not of its type or outside its bounds.
 */
int config_set(struct config *c, const char *key, const char *value, char **cause);
/*
 * Read "key = value" lines ('#' comments, blank lines) of a regular file (a
 * directory, FIFO or device is refused without blocking). A missing file is
 * an error only when must_exist; a read error is one. 0, or -1 with *cause
 * naming file and line.
 */
int config_load_file(struct config *c, const char *path, int must_exist, char **cause);
/* The config file used when --config is not given, or NULL. */
const char *config_default_path(char *buf, size_t size);
/* The user's own config file (XDG), whether or not it exists; "" without a home. */
void config_user_path(char *buf, size_t size);

/*
 * The setup screen's choices (c's view, delay, colour and views[]) into the
 * file at path: the lines of the file at base (path itself when it exists)
 * that set other keys are kept, comments too; the directory is made if need
 * be; the file is replaced whole (a temporary file renamed over it). 0, or -1
 * with *cause (the caller frees it).
 */
int config_save(const struct config *c, const char *path, const char *base, char **cause);

#endif
