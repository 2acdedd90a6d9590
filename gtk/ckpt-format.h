/* ckpt-format.h: the words and numbers the app shows, as pure functions over
 * libckpt's answers (no widgets), so that unit tests pin them down. Every
 * string returned is newly allocated: free it with g_free. */
#pragma once

#include "ckpt.h"

#include <glib.h>

G_BEGIN_DECLS

/* Text from the tree (run names, paths, metadata), made safe to show with
 * ckpt_escape: control characters and bidi overrides become visible escapes.
 * NULL gives "". */
char *ckpt_text_escape(const char *text);

/* "4.1 kB", "1.1 GB" (GLib's units, as Files shows them); "—" when negative. */
char *ckpt_format_bytes(int64_t bytes);

/* How long ago `then` was at `now` (unix seconds): "just now", "5 min ago",
 * "3 h ago", "2 days ago", then the date: "Mar 2" this year, "2025-03-02"
 * before. "never" for 0. */
char *ckpt_format_ago(int64_t then, int64_t now);

/* A metric value: the shortest text that reads back as the same double,
 * cut to 6 significant digits when longer; "—" for NaN. */
char *ckpt_format_metric(double value);

/* The epochs table's checksum column from the engine's verify record:
 * "not checked", "ok, 3 h ago", "no checksum", "changed since verified",
 * "MISMATCH", "MISSING MODEL"... */
char *ckpt_format_check(ckpt_check_state state, ckpt_verify_result result, int64_t when,
			int64_t now);

/* Which style class tells that state at a glance: "success", "warning",
 * "error" or "dim-label". Static. */
const char *ckpt_check_style(ckpt_check_state state, ckpt_verify_result result);

/* Sort rank of a check state: problems first, then changed, never, ok. */
int ckpt_check_rank(ckpt_check_state state, ckpt_verify_result result);

/* One CSV field: quoted (with doubled quotes) when it holds a comma, quote,
 * CR or LF, or starts with a character a spreadsheet would take for a
 * formula (= + - @), so that a run name never becomes one. */
char *ckpt_csv_field(const char *text);

G_END_DECLS
