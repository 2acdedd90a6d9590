/* chart-series.c: turns a run's history and snapshot into what the chart
 * draws (see chart-series.h). Which epochs are on disk, best, last or damaged
 * is libckpt's answer; this file only lays the answers out by point. */
#include "chart-series.h"

#include "chart-math.h"

#include <glib.h>
#include <math.h>

static void alloc_points(ChartSeries *s, size_t n)
{
	s->n = n;
	s->epoch = g_new0(int64_t, n ? n : 1);
	for (int m = 0; m < CHART_X_MODES; m++)
		s->x[m] = g_new0(double, n ? n : 1);
	s->y = g_new0(double, n ? n : 1);
	s->live = g_new0(bool, n ? n : 1);
}

static void fill_from_history(ChartSeries *s, const ckpt_history *h, int *sessions)
{
	for (size_t i = 0; i < s->n; i++) {
		double v;
		int64_t t;
		s->epoch[i] = ckpt_history_epoch(h, i);
		s->x[CHART_X_EPOCH][i] = (double)s->epoch[i];
		s->x[CHART_X_WALL][i] = ckpt_history_time_seconds(&t, h, i) ? (double)t : NAN;
		s->y[i] = ckpt_history_value(&v, h, i) ? v : NAN;
		s->live[i] = !ckpt_history_superseded(h, i);
		sessions[i] = ckpt_history_session(h, i);
	}
}

/* Without a history: one point per epoch on disk, all in one session. */
static void fill_from_epochs(ChartSeries *s, const ckpt_run *run, int *sessions)
{
	for (size_t i = 0; i < s->n; i++) {
		const ckpt_epoch *e = ckpt_run_epoch(run, i);
		double v;
		int64_t t;
		s->epoch[i] = ckpt_epoch_number(e);
		s->x[CHART_X_EPOCH][i] = (double)s->epoch[i];
		s->x[CHART_X_WALL][i] = ckpt_epoch_timestamp_seconds(&t, e) ? (double)t : NAN;
		s->y[i] = ckpt_epoch_metric(&v, e) ? v : NAN;
		s->live[i] = true;
		sessions[i] = 1;
	}
}

static void fill_relative(ChartSeries *s)
{
	double first = NAN;
	for (size_t i = 0; i < s->n && isnan(first); i++)
		if (isfinite(s->x[CHART_X_WALL][i]))
			first = s->x[CHART_X_WALL][i];
	for (size_t i = 0; i < s->n; i++)
		s->x[CHART_X_RELATIVE][i] = s->x[CHART_X_WALL][i] - first;
}

/* The point a session starting at `start` branched off: the latest earlier
 * point of the epoch libckpt says it resumed after (else of a smaller one).
 * -1 when it started from scratch. */
static ptrdiff_t find_parent(const ChartSeries *s, size_t start, int64_t resumed_after)
{
	if (resumed_after <= 0)
		return -1;
	ptrdiff_t fallback = -1;
	for (size_t i = start; i-- > 0;) {
		if (s->epoch[i] == resumed_after)
			return (ptrdiff_t)i;
		if (fallback < 0 && s->epoch[i] < resumed_after)
			fallback = (ptrdiff_t)i;
	}
	return fallback;
}

/* Sessions as branches; each one's points on the current line (not
 * superseded) come first, as a later session re-runs a suffix of them. */
static void split_branches(ChartSeries *s, const int *sessions, const ckpt_history *h)
{
	s->branches = g_new0(ChartBranch, s->n ? s->n : 1);
	for (size_t i = 0; i < s->n;) {
		size_t j = i + 1;
		while (j < s->n && sessions[j] == sessions[i])
			j++;
		ChartBranch *b = &s->branches[s->n_branches++];
		b->start = i;
		b->end = j;
		b->live_end = i;
		while (b->live_end < j && s->live[b->live_end])
			b->live_end++;
		b->session = sessions[i];
		/* Unknown to libckpt (0) yet not from epoch 1: after the one before. */
		int64_t after = h ? ckpt_history_session_start(h, sessions[i]) : 0;
		if (after <= 0 && s->epoch[i] > 1)
			after = s->epoch[i] - 1;
		b->parent = s->n_branches > 1 ? find_parent(s, i, after) : -1;
		i = j;
	}
}

static void add_markers(ChartSeries *s, const ckpt_run *run, const ckpt_history *h)
{
	s->markers = g_new0(ChartMarker, s->n ? s->n : 1);
	int64_t best = ckpt_run_best(run), last = ckpt_run_last(run);
	for (size_t i = 0; i < s->n; i++) {
		if (h && !ckpt_history_on_disk(h, i, run))
			continue;
		const ckpt_epoch *e = ckpt_run_find_epoch(run, s->epoch[i]);
		if (!e)
			continue;
		ChartMarker *m = &s->markers[s->n_markers++];
		m->point = i;
		m->epoch = s->epoch[i];
		m->health = ckpt_epoch_health(e);
		m->flags = CHART_MARK_KEPT;
		if (m->health != CKPT_EPOCH_OK)
			m->flags |= CHART_MARK_DAMAGED;
		if (best > 0 && m->epoch == best)
			m->flags |= CHART_MARK_BEST;
		if (last > 0 && m->epoch == last)
			m->flags |= CHART_MARK_LAST;
	}
}

ChartSeries *chart_series_new(const ckpt_run *run, const ckpt_history *history)
{
	ChartSeries *s = g_new0(ChartSeries, 1);
	bool from_history = history && ckpt_history_count(history) > 0;
	size_t n = from_history ? ckpt_history_count(history) : ckpt_run_epoch_count(run);
	alloc_points(s, n);
	int *sessions = g_new0(int, n ? n : 1);
	if (from_history)
		fill_from_history(s, history, sessions);
	else
		fill_from_epochs(s, run, sessions);
	fill_relative(s);
	split_branches(s, sessions, from_history ? history : NULL);
	add_markers(s, run, from_history ? history : NULL);
	s->direction = from_history && ckpt_history_direction(history)
			   ? ckpt_history_direction(history)
			   : ckpt_run_direction(run);
	g_free(sessions);
	return s;
}

void chart_series_free(ChartSeries *s)
{
	if (!s)
		return;
	g_free(s->epoch);
	for (int m = 0; m < CHART_X_MODES; m++)
		g_free(s->x[m]);
	g_free(s->y);
	g_free(s->live);
	g_free(s->branches);
	g_free(s->markers);
	g_free(s);
}

const ChartMarker *chart_series_find_marker(const ChartSeries *s, int64_t epoch)
{
	for (size_t i = 0; s && i < s->n_markers; i++)
		if (s->markers[i].epoch == epoch)
			return &s->markers[i];
	return NULL;
}
