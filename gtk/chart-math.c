/* chart-math.c: the chart's arithmetic (see chart-math.h). Plain C and libm,
 * so that the unit tests cover every branch without a display. */
#include "chart-math.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- palette ---------------------------------------------------------------- */

#define RGB(hex)                                                                                   \
	{                                                                                          \
		((hex) >> 16 & 0xff) / 255.0, ((hex) >> 8 & 0xff) / 255.0, ((hex)&0xff) / 255.0    \
	}

/* On white: Okabe-Ito without its black and yellow, then Tol's muted. */
static const ChartRgb light_palette[CHART_PALETTE_SIZE] = {
    RGB(0x0072B2), RGB(0xD55E00), RGB(0x009E73), RGB(0xCC79A7), RGB(0xE69F00), RGB(0x56B4E9),
    RGB(0x332288), RGB(0x882255), RGB(0x117733), RGB(0x999933), RGB(0xAA4499), RGB(0x44AA99),
};

/* On a dark grey: Okabe-Ito's light members, then Tol's bright and light
 * ones, ordered so that neighbours in the list never share a hue family. */
static const ChartRgb dark_palette[CHART_PALETTE_SIZE] = {
    RGB(0x56B4E9), RGB(0xE69F00), RGB(0x2DBE8C), RGB(0xCC79A7), RGB(0xF0E442), RGB(0xEE6677),
    RGB(0x9A8CF0), RGB(0xBBCC33), RGB(0xF07A3A), RGB(0x99DDFF), RGB(0xDDCC77), RGB(0xBBBBBB),
};

ChartRgb chart_palette_color(unsigned index, bool dark)
{
	return (dark ? dark_palette : light_palette)[index % CHART_PALETTE_SIZE];
}

size_t chart_palette_dashes(unsigned index, double out[4])
{
	switch ((index / CHART_PALETTE_SIZE) % CHART_DASH_STYLES) {
	case 1: /* dashed */ out[0] = 5, out[1] = 3; return 2;
	case 2: /* dotted */ out[0] = 1, out[1] = 2.5; return 2;
	case 3: /* dash-dot */ out[0] = 6, out[1] = 2.5, out[2] = 1, out[3] = 2.5; return 4;
	default: return 0;
	}
}

/* ---- smoothing ---------------------------------------------------------------- */

void chart_ema(double *out, const double *in, size_t n, double weight, ChartEma *state)
{
	ChartEma s = state ? *state : CHART_EMA_INIT;
	if (!(weight > 0.0))
		weight = 0.0;
	if (weight >= 1.0)
		weight = 0.999;
	for (size_t i = 0; i < n; i++) {
		double v = in[i];
		if (!isfinite(v)) {
			out[i] = v;
			continue;
		}
		s.last = s.last * weight + (1.0 - weight) * v;
		s.count++;
		/* The average starts at 0: dividing by 1 - w^count removes that bias. */
		double debias = weight > 0.0 ? 1.0 - pow(weight, (double)s.count) : 1.0;
		out[i] = debias > 0.0 ? s.last / debias : v;
	}
	if (state)
		*state = s;
}

/* ---- downsampling --------------------------------------------------------------- */

size_t chart_downsample(ChartPoint *out, const ChartPoint *in, size_t n)
{
	size_t k = 0;
	size_t i = 0;
	while (i < n) {
		double column = floor(in[i].x);
		size_t lo = i, hi = i, j = i + 1;
		while (j < n && floor(in[j].x) == column) {
			if (in[j].y < in[lo].y)
				lo = j;
			if (in[j].y > in[hi].y)
				hi = j;
			j++;
		}
		size_t last = j - 1;
		size_t keep[4] = {i, lo < hi ? lo : hi, lo < hi ? hi : lo, last};
		size_t previous = (size_t)-1;
		for (int m = 0; m < 4; m++) {
			if (keep[m] == previous)
				continue;
			if (m > 0 && keep[m] < previous)
				continue;
			out[k++] = in[keep[m]];
			previous = keep[m];
		}
		i = j;
	}
	return k;
}

/* ---- scales ------------------------------------------------------------------------ */

static double to_space(double v, bool log)
{
	return log ? (v > 0.0 ? log10(v) : NAN) : v;
}

static double from_space(double v, bool log)
{
	return log ? pow(10.0, v) : v;
}

double chart_scale_map(const ChartScale *s, double value)
{
	double v = to_space(value, s->log), lo = to_space(s->lo, s->log),
	       hi = to_space(s->hi, s->log);
	if (!isfinite(v) || !(hi != lo))
		return isfinite(v) ? (s->px_lo + s->px_hi) / 2 : NAN;
	return s->px_lo + (v - lo) / (hi - lo) * (s->px_hi - s->px_lo);
}

double chart_scale_unmap(const ChartScale *s, double px)
{
	double lo = to_space(s->lo, s->log), hi = to_space(s->hi, s->log);
	if (s->px_hi == s->px_lo)
		return s->lo;
	return from_space(lo + (px - s->px_lo) / (s->px_hi - s->px_lo) * (hi - lo), s->log);
}

void chart_range_zoom(double *lo, double *hi, double center, double factor, bool log)
{
	double a = to_space(*lo, log), b = to_space(*hi, log), c = to_space(center, log);
	if (!isfinite(a) || !isfinite(b) || !isfinite(c) || !(factor > 0.0))
		return;
	*lo = from_space(c - (c - a) * factor, log);
	*hi = from_space(c + (b - c) * factor, log);
}

void chart_range_pad(double *lo, double *hi, double fraction, bool log)
{
	if (log) {
		if (!(*lo > 0.0) || !(*hi > 0.0))
			return;
		if (*lo == *hi) {
			*lo /= 2.0;
			*hi *= 2.0;
		}
	} else if (*lo == *hi) {
		double d = *lo != 0.0 ? fabs(*lo) / 10.0 : 1.0;
		*lo -= d;
		*hi += d;
	}
	double a = to_space(*lo, log), b = to_space(*hi, log);
	double pad = (b - a) * fraction;
	*lo = from_space(a - pad, log);
	*hi = from_space(b + pad, log);
}

/* ---- ticks --------------------------------------------------------------------------- */

static double nice_step(double raw)
{
	double magnitude = pow(10.0, floor(log10(raw)));
	double norm = raw / magnitude;
	double nice = norm < 1.5 ? 1.0 : norm < 3.0 ? 2.0 : norm < 7.0 ? 5.0 : 10.0;
	return nice * magnitude;
}

/* Multiples of step inside [lo, hi], computed from an integer index so that
 * 0.1 * 3 prints as 0.3 and not 0.30000000000000004 drifting further. */
static size_t multiples(double *out, size_t max, double lo, double hi, double step)
{
	size_t n = 0;
	double first = ceil(lo / step - 1e-9);
	for (double k = first; n < max; k += 1.0) {
		double v = k * step;
		if (v > hi + step * 1e-9)
			break;
		out[n++] = fabs(v) < step * 1e-9 ? 0.0 : v;
	}
	return n;
}

size_t chart_ticks_linear(double *out, size_t max, double lo, double hi, unsigned target,
			  double *out_step)
{
	if (out_step)
		*out_step = 0.0;
	if (!isfinite(lo) || !isfinite(hi) || !(hi > lo) || max == 0)
		return 0;
	double step = nice_step((hi - lo) / (target > 0 ? target : 1));
	if (!(step > 0.0) || !isfinite(step))
		return 0;
	if (out_step)
		*out_step = step;
	return multiples(out, max, lo, hi, step);
}

size_t chart_ticks_log(double *out, size_t max, double lo, double hi, unsigned target,
		       double *out_step)
{
	if (out_step)
		*out_step = 0.0;
	if (!(lo > 0.0) || !(hi > lo) || !isfinite(hi) || max == 0)
		return 0;
	double a = log10(lo), b = log10(hi);
	double first = ceil(a - 1e-9), last = floor(b + 1e-9);
	double decades = last - first + 1.0;
	/* Less than a factor of 3 shown: no 1-2-5 tick would be left. */
	if (b - a < log10(3.0))
		return chart_ticks_linear(out, max, lo, hi, target, out_step);
	if (target == 0)
		target = 1;
	size_t n = 0;
	if (decades * 3.0 <= target || b - a < 2.0) {
		/* 1, 2, 5 a decade; with 3 too when that still leaves few ticks. */
		static const double sparse[] = {1.0, 2.0, 5.0}, dense[] = {1.0, 2.0, 3.0, 5.0};
		bool fine = (b - a) * 4.0 <= target;
		const double *mantissas = fine ? dense : sparse;
		size_t count = fine ? 4 : 3;
		for (double d = floor(a); d <= floor(b) && n < max; d += 1.0)
			for (size_t m = 0; m < count && n < max; m++) {
				double v = mantissas[m] * pow(10.0, d);
				if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9))
					out[n++] = v;
			}
		return n;
	}
	double every = ceil(decades / target);
	for (double d = ceil(first / every) * every; d <= last && n < max; d += every)
		out[n++] = pow(10.0, d);
	return n;
}

static const double time_steps[] = {
    1,    2,    5,     10,    15,    30,    60,     120,    300,     600,     900,     1800,
    3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 1209600, 2592000, 7776000, 31536000,
};

size_t chart_ticks_time(double *out, size_t max, double lo, double hi, unsigned target,
			double *out_step)
{
	if (out_step)
		*out_step = 0.0;
	if (!isfinite(lo) || !isfinite(hi) || !(hi > lo) || max == 0)
		return 0;
	double raw = (hi - lo) / (target > 0 ? target : 1);
	if (raw < 1.0)
		return chart_ticks_linear(out, max, lo, hi, target, out_step);
	double step = 0.0;
	for (size_t i = 0; i < sizeof time_steps / sizeof time_steps[0]; i++)
		if (time_steps[i] >= raw * 0.75) {
			step = time_steps[i];
			break;
		}
	if (step == 0.0) /* decades of years: whole years, nicely */
		step = nice_step(raw / 31536000.0) * 31536000.0;
	if (out_step)
		*out_step = step;
	return multiples(out, max, lo, hi, step);
}

void chart_format_tick(char *out, size_t size, double value, double step)
{
	if (!isfinite(value)) {
		snprintf(out, size, "%s", isnan(value) ? "nan" : value > 0 ? "inf" : "-inf");
		return;
	}
	if (value == 0.0) {
		snprintf(out, size, "0");
		return;
	}
	double magnitude = fabs(value);
	if (!(step > 0.0)) { /* a log decade: 1e-05, 0.001, 100, 1e+06 */
		if (magnitude >= 1e-3 && magnitude < 1e5)
			snprintf(out, size, "%.4g", value);
		else
			snprintf(out, size, "%.0e", value);
		return;
	}
	if (magnitude >= 1e6 || magnitude < 1e-4 || step < 1e-6) {
		int digits = (int)ceil(log10(magnitude / step) - 1e-9);
		if (digits < 1)
			digits = 1;
		snprintf(out, size, "%.*e", digits - 1 > 6 ? 6 : digits - 1, value);
		return;
	}
	int decimals = (int)ceil(-log10(step) - 1e-9);
	if (decimals < 0)
		decimals = 0;
	if (decimals > 10)
		decimals = 10;
	snprintf(out, size, "%.*f", decimals, value);
}

void chart_format_elapsed(char *out, size_t size, double seconds, double step)
{
	const char *sign = seconds < 0 ? "-" : "";
	double t = fabs(seconds);
	if (t < 0.5) {
		snprintf(out, size, "0");
		return;
	}
	long long s = llround(t);
	if (step < 60.0 && s < 60)
		snprintf(out, size, "%s%lld s", sign, s);
	else if (step < 60.0)
		snprintf(out, size, "%s%lld:%02lld", sign, s / 60, s % 60);
	else if (s < 3600)
		snprintf(out, size, "%s%lld min", sign, s / 60);
	else if (s < 86400) {
		long long h = s / 3600, m = s % 3600 / 60;
		if (m && step < 3600.0)
			snprintf(out, size, "%s%lld h %lld min", sign, h, m);
		else
			snprintf(out, size, "%s%lld h", sign, h);
	} else {
		long long d = s / 86400, h = s % 86400 / 3600;
		if (h && step < 86400.0)
			snprintf(out, size, "%s%lld d %lld h", sign, d, h);
		else
			snprintf(out, size, "%s%lld d", sign, d);
	}
}

void chart_format_clock(char *out, size_t size, double seconds, double step)
{
	if (!isfinite(seconds)) {
		snprintf(out, size, "?");
		return;
	}
	time_t t = (time_t)floor(seconds);
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(out, size, "?");
		return;
	}
	static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	if (step < 60.0)
		snprintf(out, size, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	else if (step < 86400.0 && (tm.tm_hour || tm.tm_min))
		snprintf(out, size, "%02d:%02d", tm.tm_hour, tm.tm_min);
	else if (step < 86400.0)
		snprintf(out, size, "%s %02d", months[tm.tm_mon], tm.tm_mday);
	else
		snprintf(out, size, "%s %02d", months[tm.tm_mon], tm.tm_mday);
}

/* ---- ranges ---------------------------------------------------------------------------- */

static void swap(double *a, double *b)
{
	double t = *a;
	*a = *b;
	*b = t;
}

/* The k-th smallest of v[0..n) (selection with a three-way partition), reordering v. */
static double select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (hi > lo) {
		double pivot = v[lo + (hi - lo) / 2];
		/* [lo, lt) < pivot, [lt, i) == pivot, (gt, hi] > pivot; the pivot
		 * itself is in range, so gt never passes below lt. */
		size_t lt = lo, i = lo, gt = hi;
		while (i <= gt) {
			if (v[i] < pivot)
				swap(&v[lt++], &v[i++]);
			else if (v[i] > pivot)
				swap(&v[i], &v[gt--]);
			else
				i++;
		}
		if (k < lt)
			hi = lt - 1;
		else if (k > gt)
			lo = gt + 1;
		else
			return pivot;
	}
	return v[k];
}

bool chart_value_range(double *out_lo, double *out_hi, double *values, size_t n, bool clip,
		       bool positive_only)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(values[i]) && (!positive_only || values[i] > 0.0))
			values[m++] = values[i];
	if (m == 0)
		return false;
	if (clip && m >= 3) {
		size_t a = (size_t)floor(0.05 * (double)(m - 1) + 0.5);
		size_t b = (size_t)floor(0.95 * (double)(m - 1) + 0.5);
		*out_lo = select_kth(values, m, a);
		*out_hi = select_kth(values, m, b);
		return true;
	}
	double lo = values[0], hi = values[0];
	for (size_t i = 1; i < m; i++) {
		if (values[i] < lo)
			lo = values[i];
		if (values[i] > hi)
			hi = values[i];
	}
	*out_lo = lo;
	*out_hi = hi;
	return true;
}

/* ---- hit testing --------------------------------------------------------------------------- */

double chart_segment_distance(ChartPoint p, ChartPoint a, ChartPoint b)
{
	double dx = b.x - a.x, dy = b.y - a.y;
	double len2 = dx * dx + dy * dy;
	double t = len2 > 0.0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0.0;
	t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
	double x = a.x + t * dx - p.x, y = a.y + t * dy - p.y;
	return sqrt(x * x + y * y);
}

static bool finite_point(ChartPoint p)
{
	return isfinite(p.x) && isfinite(p.y);
}

ptrdiff_t chart_polyline_nearest(const ChartPoint *pts, size_t n, ChartPoint p, double max_distance,
				 double *out_distance)
{
	ptrdiff_t best = -1;
	double best_d = max_distance;
	for (size_t i = 0; i < n; i++) {
		if (!finite_point(pts[i]))
			continue;
		bool joined = i + 1 < n && finite_point(pts[i + 1]);
		bool alone = !joined && (i == 0 || !finite_point(pts[i - 1]));
		if (!joined && !alone)
			continue;
		ChartPoint b = joined ? pts[i + 1] : pts[i];
		/* Cheap reject: the segment's box, grown by the best distance so far. */
		if (p.x < fmin(pts[i].x, b.x) - best_d || p.x > fmax(pts[i].x, b.x) + best_d ||
		    p.y < fmin(pts[i].y, b.y) - best_d || p.y > fmax(pts[i].y, b.y) + best_d)
			continue;
		double d = chart_segment_distance(p, pts[i], b);
		if (d <= best_d) {
			best_d = d;
			best = (ptrdiff_t)i;
		}
	}
	if (best >= 0 && out_distance)
		*out_distance = best_d;
	return best;
}

ptrdiff_t chart_points_nearest(const ChartPoint *pts, size_t n, ChartPoint p, double max_distance,
			       double *out_distance)
{
	ptrdiff_t best = -1;
	double best_d2 = max_distance * max_distance;
	for (size_t i = 0; i < n; i++) {
		if (!finite_point(pts[i]))
			continue;
		double dx = pts[i].x - p.x, dy = pts[i].y - p.y, d2 = dx * dx + dy * dy;
		if (d2 <= best_d2) {
			best_d2 = d2;
			best = (ptrdiff_t)i;
		}
	}
	if (best >= 0 && out_distance)
		*out_distance = sqrt(best_d2);
	return best;
}

ptrdiff_t chart_nearest_x(const double *xs, size_t n, double x)
{
	ptrdiff_t best = -1;
	double best_d = INFINITY;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(xs[i]))
			continue;
		double d = fabs(xs[i] - x);
		if (d < best_d) {
			best_d = d;
			best = (ptrdiff_t)i;
		}
	}
	return best;
}
