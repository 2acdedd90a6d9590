/* chart-series.h: one run's metric history as the chart draws it: points with
 * an x for each axis mode, writer sessions as branches (a restart or rollback
 * resumes from an earlier point), and the epochs on disk as markers. Built
 * from libckpt's snapshot and history; no GTK. Immutable once made. */
#pragma once

#include "ckpt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	CHART_X_EPOCH,
	CHART_X_WALL,     /* the writer's clock, as recorded */
	CHART_X_RELATIVE, /* seconds since the run's first point */
	CHART_X_MODES
} ChartXMode;

enum {
	CHART_MARK_KEPT = 1 << 0,    /* the epoch is on disk */
	CHART_MARK_DAMAGED = 1 << 1, /* on disk, but ckpt_epoch_health is not OK */
	CHART_MARK_BEST = 1 << 2,    /* what `best` names */
	CHART_MARK_LAST = 1 << 3,    /* what `last` names */
};

typedef struct {
	size_t point; /* index into the series' points */
	int64_t epoch;
	unsigned flags;
	ckpt_epoch_state health;
} ChartMarker;

/* One writer session: points [start, end). Points [start, live_end) are on
 * the run's current line; the rest were overwritten by a later session that
 * resumed from an earlier epoch (or this session was abandoned entirely). */
typedef struct {
	size_t start, end, live_end;
	ptrdiff_t parent; /* the earlier point this session resumed from, or -1 */
	int session;
} ChartBranch;

typedef struct {
	size_t n;
	int64_t *epoch;
	double *x[CHART_X_MODES]; /* NaN where unknown (no time recorded) */
	double *y;                /* NaN where the point has no value */
	bool *live;               /* on the current line */
	size_t n_branches;
	ChartBranch *branches;
	size_t n_markers;
	ChartMarker *markers; /* in point order */
	char direction;       /* '-', '+' or 0 */
} ChartSeries;

/* history may be NULL (it could not be read): the epochs on disk then make
 * the points. Caller frees with chart_series_free. */
ChartSeries *chart_series_new(const ckpt_run *run, const ckpt_history *history);
void chart_series_free(ChartSeries *series);

/* The marker of `epoch`, or NULL. */
const ChartMarker *chart_series_find_marker(const ChartSeries *series, int64_t epoch);
