/* keys.c: the key map, one table for the handler and the help screen. */
#include <signal.h>

#include "ui_int.h"

const struct key_binding ui_keys[] = {
	{ UK_F1, ACT_HELP, "F1 ?", "show this help (Esc or ? closes it)" },
	{ '?', ACT_HELP, NULL, NULL },
	{ 'h', ACT_HELP, NULL, NULL },
	{ '1', ACT_VIEW1, "1", "processes view" },
	{ '2', ACT_VIEW2, "2", "listening sockets view" },
	{ '3', ACT_VIEW3, "3", "ports view" },
	{ '4', ACT_VIEW4, "4", "sockets view" },
	{ '5', ACT_VIEW5, "5", "services view: processes grouped by service" },
	{ 'S', ACT_GROUP_SERVICE, "S", "group processes by service / back to processes" },
	{ UK_TAB, ACT_NEXT_VIEW, "Tab S-Tab", "next / previous view" },
	{ UK_BTAB, ACT_PREV_VIEW, NULL, NULL },
	{ UK_UP, ACT_UP, "Up Down", "move the selection" },
	{ UK_DOWN, ACT_DOWN, NULL, NULL },
	{ UK_PGUP, ACT_PGUP, "PgUp PgDn", "move by a page" },
	{ UK_PGDN, ACT_PGDN, NULL, NULL },
	{ UK_HOME, ACT_HOME, "Home End", "first / last row" },
	{ UK_END, ACT_END, NULL, NULL },
	{ UK_ENTER, ACT_ENTER, "Enter",
	  "sockets of a process, listener or port; processes of a service" },
	{ '\r', ACT_ENTER, NULL, NULL },
	{ UK_ESC, ACT_BACK, "Esc Bksp",
	  "back from a drill-down; then clear the filter, then the expression" },
	{ UK_BACKSPACE, ACT_BACK, NULL, NULL },
	{ 8, ACT_BACK, NULL, NULL },
	{ '/', ACT_SEARCH, "/", "search (incremental)" },
	{ 'n', ACT_SEARCH_NEXT, "n F3", "next match" },
	{ UK_F3, ACT_SEARCH_NEXT, NULL, NULL },
	{ '\\', ACT_FILTER, "\\ F4",
	  "filter: an ss expression (dport = :443), else rows containing the text" },
	{ UK_F4, ACT_FILTER, NULL, NULL },
	{ '<', ACT_SORT_PREV, "< > F6", "sort by the previous / next column" },
	{ '>', ACT_SORT_NEXT, NULL, NULL },
	{ UK_F6, ACT_SORT_NEXT, NULL, NULL },
	{ 'I', ACT_SORT_INVERT, "I", "invert the sort order" },
	{ 'L', ACT_SORT_LEAK, "L", "processes by leak severity, worst selected" },
	{ 'T', ACT_SORT_TALKERS, "T", "top talkers: rows by RX/s + TX/s, the busiest selected" },
	{ 'u', ACT_USER, "u", "show one user's processes (a list to pick from)" },
	{ 't', ACT_TREE, "t F5",
	  "processes as a tree: workers under their master, subtree totals" },
	{ UK_F5, ACT_TREE, NULL, NULL },
	{ UK_F2, ACT_SETUP, "F2 C",
	  "setup: columns and their order, start view, interval, colours, ports; Enter saves" },
	{ 'C', ACT_SETUP, NULL, NULL },
	{ 'N', ACT_NAMES, "N", "ports by name (/etc/services) / by number" },
	{ 'z', ACT_PAUSE, "z", "pause / resume refreshing" },
	{ 'k', ACT_KILL, "k F9", "send a signal to the selected process" },
	{ UK_F9, ACT_KILL, NULL, NULL },
	{ UK_CTRL_L, ACT_REDRAW, "Ctrl-L", "redraw the screen" },
	{ 'q', ACT_QUIT, "q F10", "quit" },
	{ UK_F10, ACT_QUIT, NULL, NULL },
};
const size_t ui_nkeys = sizeof ui_keys / sizeof ui_keys[0];

static enum ui_action find_action(const struct key_binding *keys, size_t n, uint32_t key)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (keys[i].key == key)
			return keys[i].action;
	}
	return ACT_NONE;
}

enum ui_action ui_key_action(uint32_t key)
{
	return find_action(ui_keys, ui_nkeys, key);
}

const struct key_binding ui_replay_keys[] = {
	{ '[', ACT_REPLAY_BACK, "[ ]", "replay: one record back / forward" },
	{ ']', ACT_REPLAY_FORWARD, NULL, NULL },
	{ 't', ACT_REPLAY_JUMP, "t",
	  "replay: jump to a time (02:50, -30m, +10m, 2026-12-04T02:50)" },
	{ ' ', ACT_REPLAY_PLAY, "Space z", "replay: play / pause" },
	{ 'z', ACT_REPLAY_PLAY, NULL, NULL },
	{ '+', ACT_REPLAY_FASTER, "+ -", "replay: play faster / slower (1x, 10x, 60x)" },
	{ '=', ACT_REPLAY_FASTER, NULL, NULL },
	{ '-', ACT_REPLAY_SLOWER, NULL, NULL },
};
const size_t ui_nreplay_keys = sizeof ui_replay_keys / sizeof ui_replay_keys[0];

enum ui_action ui_replay_key_action(uint32_t key)
{
	return find_action(ui_replay_keys, ui_nreplay_keys, key);
}

const struct ui_signal ui_signals[] = {
	{ SIGTERM, "TERM" }, { SIGKILL, "KILL" }, { SIGHUP, "HUP" },
	{ SIGINT, "INT" },   { SIGQUIT, "QUIT" }, { SIGUSR1, "USR1" },
	{ SIGUSR2, "USR2" }, { SIGSTOP, "STOP" }, { SIGCONT, "CONT" },
};
const size_t ui_nsignals = sizeof ui_signals / sizeof ui_signals[0];
