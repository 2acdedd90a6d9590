/* dash-details.c: the details pane (the selected epoch's ckpt-info.json
 * fields through the library's accessors, its verify record, the run's
 * paths, links, writer and keep policy) and the log view (the tail of
 * ckpt.log, following it while at its end). Long values wrap; every string
 * from the tree is escaped. */
#include "dash.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LABEL_W 14

typedef struct detail_line {
	char label[32];
	char *value; /* escaped */
	term_role role;
	bool heading;
} detail_line;

typedef struct details {
	dash *d;
	detail_line *lines;
	size_t n, cap;
} details;

static void add(details *t, const char *label, term_role role, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add(details *t, const char *label, term_role role, const char *fmt, ...)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		detail_line *grown = realloc(t->lines, cap * sizeof *grown);
		if (!grown)
			return;
		t->lines = grown, t->cap = cap;
	}
	detail_line *l = &t->lines[t->n];
	snprintf(l->label, sizeof l->label, "%s", label ? label : "");
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&l->value, fmt, ap) < 0)
		l->value = NULL;
	va_end(ap);
	l->role = role;
	l->heading = label == NULL;
	if (l->value)
		t->n++;
}

/* A string from the tree, escaped (a static buffer per call site is not
 * enough: callers keep two at once). */
static const char *esc(details *t, char *buf, size_t size, const char *text)
{
	return dash_escape(t->d, buf, size, text ? text : "");
}

static void epoch_lines(details *t, const dash_run *r, const dash_row *row)
{
	dash *d = t->d;
	char a[1024], b[1024], c[FMT_SHORT], e[FMT_SHORT];
	const ckpt_run *run = r->run;
	const ckpt_history *h = r->history;
	if (!row->e) {
		add(t, NULL, ROLE_HEADER, "Epoch %lld: not saved (writer session %d)",
		    (long long)row->epoch, row->session);
		double v;
		if (h && ckpt_history_value(&v, h, row->point))
			add(t, esc(t, a, sizeof a, ckpt_history_metric(h)), ROLE_NORMAL, "%s",
			    fmt_metric_exact(c, v));
		const char *when = h ? ckpt_history_time(h, row->point) : NULL;
		if (when)
			add(t, "time", ROLE_NORMAL, "%s", esc(t, a, sizeof a, when));
		return;
	}
	const ckpt_epoch *ep = row->e;
	char marks[32];
	cli_marks_text(marks, sizeof marks, run, row->epoch);
	add(t, NULL, ROLE_HEADER, "Epoch %lld%s%s%s", (long long)row->epoch, marks[0] ? " (" : "",
	    marks, marks[0] ? ")" : "");
	ckpt_epoch_state health = ckpt_epoch_health(ep);
	add(t, "health",
	    health == CKPT_EPOCH_OK        ? ROLE_OK
	    : health == CKPT_EPOCH_DAMAGED ? ROLE_ERROR
					   : ROLE_WARN,
	    "%s", ckpt_epoch_state_name(health));
	ckpt_verify_result result = CKPT_VERIFY_OK;
	int64_t at = 0;
	const char *detail = NULL;
	ckpt_check_state state = dash_check_of(r, ep, &result, &at, &detail);
	fmt_check(c, ckpt_epoch_checksum_kind(ep), state, result, at, d->wall);
	bool bad = state == CKPT_CHECK_CURRENT && ckpt_verify_result_is_problem(result);
	add(t, "verify",
	    bad                           ? ROLE_ERROR
	    : state == CKPT_CHECK_CURRENT ? ROLE_OK
					  : ROLE_NORMAL,
	    "%s%s%s", c, detail ? ": " : "", detail ? esc(t, a, sizeof a, detail) : "");
	const char *sum = ckpt_epoch_checksum(ep);
	ckpt_checksum_kind kind = ckpt_epoch_checksum_kind(ep);
	add(t, "checksum", ROLE_NORMAL, "%s",
	    kind == CKPT_CHECKSUM_KIND_DISABLED ? "disabled by the writer"
	    : sum                               ? esc(t, a, sizeof a, sum)
						: "none stored");
	add(t, "dir", ROLE_NORMAL, "epochs/%s", esc(t, a, sizeof a, ckpt_epoch_dir(ep)));
	ckpt_info_state info = ckpt_epoch_info_state(ep);
	const char *info_error = ckpt_epoch_info_error(ep);
	add(t, "ckpt-info", info == CKPT_INFO_OK ? ROLE_NORMAL : ROLE_WARN, "%s%s%s",
	    ckpt_info_state_name(info), info_error ? ": " : "",
	    info_error ? esc(t, a, sizeof a, info_error) : "");
	int64_t bytes = ckpt_epoch_model_bytes(ep);
	add(t, "model.h5", ckpt_epoch_model_state(ep) == CKPT_MODEL_OK ? ROLE_NORMAL : ROLE_WARN,
	    "%s%s%s", ckpt_model_state_name(ckpt_epoch_model_state(ep)), bytes >= 0 ? ", " : "",
	    bytes >= 0 ? fmt_size(e, (uint64_t)bytes) : "");
	double v;
	const char *metric = ckpt_epoch_save_best_metric(ep);
	if (!metric)
		metric = ckpt_run_metric(run);
	if (ckpt_epoch_metric(&v, ep))
		add(t, metric ? esc(t, b, sizeof b, metric) : "metric", ROLE_NORMAL, "%s",
		    fmt_metric_exact(c, v));
	if (ckpt_epoch_best_metric_last(&v, ep))
		add(t, "best so far", ROLE_NORMAL, "%s", fmt_metric_exact(c, v));
	for (size_t i = 0; i < ckpt_epoch_extra_count(ep); i++)
		add(t, esc(t, b, sizeof b, ckpt_epoch_extra_name(ep, i)), ROLE_NORMAL, "%s",
		    fmt_metric_exact(c, ckpt_epoch_extra_value(ep, i)));
	time_t when = (time_t)ckpt_epoch_saved_at(ep);
	struct tm tm;
	char stamp[64] = "?";
	if (when > 0 && localtime_r(&when, &tm))
		strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
	add(t, "saved at", ROLE_NORMAL, "%s (%s)", stamp, fmt_age(e, (int64_t)when, d->wall));
	if (ckpt_epoch_timestamp(ep))
		add(t, "timestamp", ROLE_NORMAL, "%s",
		    esc(t, a, sizeof a, ckpt_epoch_timestamp(ep)));
	if (ckpt_epoch_first_save(ep))
		add(t, "time elapsed", ROLE_NORMAL, "its writer's first save");
	else if (ckpt_epoch_time_elapsed(&v, ep))
		add(t, "time elapsed", ROLE_NORMAL, "%s", fmt_duration(e, v));
	if (ckpt_epoch_session(ep))
		add(t, "session", ROLE_NORMAL, "%s", esc(t, a, sizeof a, ckpt_epoch_session(ep)));
	if (ckpt_epoch_metadata(ep))
		add(t, "metadata", ROLE_NORMAL, "%s", esc(t, a, sizeof a, ckpt_epoch_metadata(ep)));
}

static void link_line(details *t, const char *label, int64_t epoch, ckpt_link_state state)
{
	char text[64];
	cli_link_text(text, sizeof text, epoch, state);
	term_role role = state == CKPT_LINK_OK          ? ROLE_NORMAL
			 : state == CKPT_LINK_RELOCATED ? ROLE_WARN
							: ROLE_ERROR;
	add(t, label, role, "%s%s", text,
	    state == CKPT_LINK_RELOCATED || state == CKPT_LINK_OUTSIDE ? ": l relinks it" : "");
}

static void run_lines(details *t, const dash_run *r)
{
	char a[2048], b[FMT_SHORT];
	const ckpt_run *run = r->run;
	add(t, NULL, ROLE_HEADER, "Run %s", dash_run_name(r));
	unsigned health = ckpt_run_health(run);
	add(t, "status",
	    ckpt_health_is_problem(health) ? ROLE_WARN
	    : health & CKPT_HEALTH_LIVE    ? ROLE_LIVE
					   : ROLE_OK,
	    "%s", esc(t, a, sizeof a, ckpt_run_health_text(run)));
	link_line(t, "best", ckpt_run_best(run), ckpt_run_best_state(run));
	link_line(t, "last", ckpt_run_last(run), ckpt_run_last_state(run));
	add(t, "folder", ROLE_NORMAL, "%s", esc(t, a, sizeof a, ckpt_run_folder(run)));
	add(t, "root", ROLE_NORMAL, "%s (%s)", esc(t, a, sizeof a, ckpt_run_root(run)),
	    ckpt_layout_name(ckpt_run_layout(run)));
	int64_t limit = 0;
	ckpt_keep_mode mode = CKPT_KEEP_LINEAR;
	bool own = ckpt_run_keep_policy(&limit, &mode, run);
	add(t, "keep", ROLE_NORMAL, "%lld, %s (%s)", (long long)limit, ckpt_keep_mode_name(mode),
	    own ? "the run's own" : "a guess: the original records none");
	add(t, "size", ROLE_NORMAL, "%s in %zu epochs", fmt_size(b, ckpt_run_total_bytes(run)),
	    ckpt_run_epoch_count(run));
	if (ckpt_run_writer_pid(run))
		add(t, "writer", ckpt_run_live(run) ? ROLE_LIVE : ROLE_WARN,
		    "pid %lld on %s since %s%s", (long long)ckpt_run_writer_pid(run),
		    esc(t, a, sizeof a / 2, ckpt_run_writer_host(run)),
		    esc(t, a + sizeof a / 2, sizeof a / 2, ckpt_run_writer_since(run)),
		    ckpt_run_live(run) ? " (live)" : " (not live)");
	for (size_t i = 0; i < ckpt_run_stray_count(run); i++)
		add(t, i ? "" : "strays", ROLE_WARN, "%s",
		    esc(t, a, sizeof a, ckpt_run_stray(run, i)));
	if (ckpt_run_problem(run))
		add(t, "problem", ROLE_ERROR, "%s", esc(t, a, sizeof a, ckpt_run_problem(run)));
	const ckpt_history *h = r->history;
	if (h && ckpt_history_problem(h))
		add(t, "history", ROLE_WARN, "%s", esc(t, a, sizeof a, ckpt_history_problem(h)));
}

static details build(dash *d)
{
	details t = {d, NULL, 0, 0};
	const dash_run *r = d->rows_of;
	const dash_row *row = dash_selected_row(d);
	if (r && row)
		epoch_lines(&t, r, row);
	if (r) {
		if (t.n)
			add(&t, "", ROLE_NORMAL, "%s", "");
		run_lines(&t, r);
	}
	return t;
}

static void free_details(details *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->lines[i].value);
	free(t->lines);
}

/* Rows a value takes when wrapped into `width` columns. */
static size_t wrapped_rows(const char *value, int width)
{
	size_t w = fmt_display_width(value);
	return width > 0 && w > (size_t)width ? (w + (size_t)width - 1) / (size_t)width : 1;
}

/* The part of text that starts at column `skip` and fills `width`. */
static void slice(char *out, size_t size, const char *text, size_t skip, size_t width)
{
	char *head = malloc(strlen(text) + 8);
	if (!head) {
		out[0] = '\0';
		return;
	}
	/* fmt_truncate keeps whole characters: cut the front by widths. */
	const char *p = text;
	size_t done = 0;
	while (*p && done < skip) {
		char one[8];
		size_t len = 1;
		while ((p[len] & 0xC0) == 0x80)
			len++;
		snprintf(one, sizeof one, "%.*s", (int)len, p);
		done += fmt_display_width(one);
		p += len;
	}
	snprintf(head, strlen(text) + 8, "%s", p);
	size_t w = fmt_display_width(head);
	if (w > width) {
		/* Cut at the end without an ellipsis: the next row goes on. */
		size_t keep = strlen(head);
		while (keep > 0 && fmt_display_width(head) > width) {
			do
				keep--;
			while (keep > 0 && (head[keep] & 0xC0) == 0x80);
			head[keep] = '\0';
		}
	}
	snprintf(out, size, "%s", head);
	free(head);
}

size_t dash_details_lines(dash *d)
{
	details t = build(d);
	int width = d->layout.details.w - LABEL_W - 1;
	size_t rows = 0;
	for (size_t i = 0; i < t.n; i++)
		rows += t.lines[i].heading ? 1 : wrapped_rows(t.lines[i].value, width);
	free_details(&t);
	return rows;
}

void dash_draw_details(dash *d, const dash_rect *r)
{
	dash_pane_title(d, r, PANE_DETAILS, "DETAILS");
	details t = build(d);
	int width = r->w - LABEL_W - 1;
	size_t total = 0;
	for (size_t i = 0; i < t.n; i++)
		total += t.lines[i].heading ? 1 : wrapped_rows(t.lines[i].value, width);
	d->details_panel.count = total;
	panel_set_height(&d->details_panel, r->h - 1);
	size_t row = 0, top = d->details_panel.top;
	int y = r->y + 1;
	for (size_t i = 0; i < t.n && y < r->y + r->h; i++) {
		const detail_line *l = &t.lines[i];
		size_t rows = l->heading ? 1 : wrapped_rows(l->value, width);
		for (size_t k = 0; k < rows && y < r->y + r->h; k++, row++) {
			if (row < top)
				continue;
			if (l->heading) {
				dash_put(d->win, y++, r->x, r->w, l->value,
					 term_attr(ROLE_PANE_TITLE));
				continue;
			}
			if (k == 0)
				dash_put(d->win, y, r->x + 1, LABEL_W - 1, l->label,
					 term_attr(ROLE_DIM));
			char part[1024];
			slice(part, sizeof part, l->value, k * (size_t)width, (size_t)width);
			dash_put(d->win, y++, r->x + LABEL_W, width, part, term_attr(l->role));
		}
	}
	if (!t.n)
		dash_put(d->win, r->y + 2, r->x + 1, r->w - 1, "nothing selected",
			 term_attr(ROLE_DIM));
	free_details(&t);
}

/* ---- the log ------------------------------------------------------------------------ */

void dash_draw_log(dash *d, const dash_rect *r)
{
	const dash_run *sel = dash_selected(d);
	char title[512];
	bool following = d->log_panel.top + (size_t)d->log_panel.height >= d->log_panel.count;
	snprintf(title, sizeof title, "LOG  ckpt.log of %s%s", sel ? dash_run_name(sel) : "",
		 following ? " (following)" : "");
	dash_pane_title(d, r, PANE_DETAILS, title);
	bool mine = sel && d->log_root && strcmp(d->log_root, sel->root) == 0;
	if (!mine || !d->log_text) {
		dash_put(d->win, r->y + 1, r->x + 1, r->w - 1,
			 mine ? "no log" : "reading the log...", term_attr(ROLE_DIM));
		return;
	}
	if (!d->log_text[0]) {
		dash_put(d->win, r->y + 1, r->x + 1, r->w - 1, "the run has no ckpt.log",
			 term_attr(ROLE_DIM));
		return;
	}
	size_t line = 0;
	int y = r->y + 1;
	for (const char *p = d->log_text; *p && y < r->y + r->h; line++) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (line >= d->log_panel.top) {
			char *raw = strndup(p, len);
			char text[2048];
			if (raw)
				dash_put(d->win, y++, r->x, r->w,
					 dash_escape(d, text, sizeof text, raw),
					 term_attr(ROLE_NORMAL));
			free(raw);
		}
		p += len + (end ? 1 : 0);
	}
}
