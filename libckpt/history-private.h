/* history-private.h: the history object, shared by history.c (building,
 * reconciling with the epochs on disk, refreshing, accessors),
 * history-parse.c (reading metrics.jsonl and ckpt.log) and history-json.c
 * (writing metrics.jsonl lines and the --json form). */
#ifndef CKPT_HISTORY_PRIVATE_H
#define CKPT_HISTORY_PRIVATE_H

#include "internal.h"

typedef struct hist_point {
	long epoch;
	bool has_value;
	double value;
	bool saved, became_best;
	bool recovered; /* from ckpt-info.json: no line recorded it */
	bool last_save; /* the latest save of its epoch in the history */
	bool superseded; /* a later session branched off before this epoch */
	int session;    /* from 1 */
	char *time;
	size_t n_extra;
	ckpt_metric *extra; /* names owned */
} hist_point;

/* metrics.jsonl's session ids in order of first appearance, found in
 * constant time (a hostile file may give every line a new id). */
typedef struct session_map {
	char **ids;
	int *index;
	size_t cap;
	size_t count;
} session_map;

struct ckpt_history {
	size_t refs;
	hist_point *points;
	size_t n_points, cap;
	size_t n_sessions;
	char *metric;
	char direction;
	char *run_name;
	char *problem;
	char **extra_names; /* distinct, first seen first */
	size_t n_extra_names;
	int64_t *session_starts; /* [session - 1]: the epoch it resumed after */

	/* What it was read from, so that a refresh reads only what is new. */
	char *history_path, *log_path;
	ckpt_file_sig history_sig, log_sig;
	bool from_jsonl;         /* metrics.jsonl was there (the log only adds earlier sessions) */
	uint64_t jsonl_offset;   /* bytes of metrics.jsonl parsed: whole lines */
	size_t jsonl_lines;      /* lines parsed, for line numbers */
	size_t bad_lines, first_bad_line;
	bool torn_tail;          /* text after the last newline */
	session_map sessions;    /* metrics.jsonl's ids → 0, 1, ... */
	size_t file_sessions;    /* sessions the files hold (recovered ones may add more) */
	int session_base;        /* sessions of the log before metrics.jsonl's */
	char refused[200];       /* a source not read: "metrics.jsonl: is a symbolic link..." */
	bool has_log_start;      /* metrics.jsonl's first line says where its session */
	uint64_t log_start;      /* began in ckpt.log */
};

/* history.c */
CKPT_INTERNAL int hist_new(ckpt_history **out);
/* Takes the point's strings, also when it fails. */
CKPT_INTERNAL int hist_push(ckpt_history *h, hist_point *point);
CKPT_INTERNAL void hist_point_clear(hist_point *point);
CKPT_INTERNAL int hist_set_metric(ckpt_history *h, const char *metric);
/* Reconciles with run's epochs (run may be NULL), then marks each epoch's
 * last save and gathers the extra metrics' names and the problem text. */
CKPT_INTERNAL int hist_complete(ckpt_history *h, const ckpt_run *run);

/* history-parse.c */
CKPT_INTERNAL void session_map_clear(session_map *map);
CKPT_INTERNAL int session_map_copy(session_map *to, const session_map *from);
/* The number (from 1) of metrics.jsonl's session `id`, or 0 when unknown. */
CKPT_INTERNAL int session_number(const ckpt_history *h, const char *id);
/* Parses metrics.jsonl's text from h->jsonl_offset's point on (text starts
 * there), appending points; advances jsonl_offset past whole lines only. */
CKPT_INTERNAL int hist_parse_jsonl(ckpt_history *h, const char *text, size_t len);
/* Reads metrics.jsonl from h->jsonl_offset to its end and parses it. */
CKPT_INTERNAL int hist_read_jsonl_tail(ckpt_history *h);

#endif
