/* dash.c: `ckpt [PATH...]` (and `ckpt ui`): the options, what it does
 * without a terminal (prints what `ckpt ls` prints), and the main loop:
 * take the workers' messages, update the model, draw when something
 * changed, wait for a key at most a tick. */
#include "dash.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "Usage: ckpt [ui] [--poll SECONDS] [--readonly] [--depth N] [--chart STYLE]\n"
    "                 [--no-color] [--no-mouse] [PATH...]\n"
    "\n"
    "Open the dashboard on the runs under each PATH (default: the current folder):\n"
    "their epochs, metric charts, best and last, checksums; verify, clean and\n"
    "restart them. Runs appear as they are found and update live. Without a\n"
    "terminal on stdout, print what 'ckpt ls' prints.\n"
    "\n"
    "Options:\n"
    "  --poll SECONDS   re-read the selected, marked and live runs every SECONDS\n"
    "                   (default 1; the other runs every 10 times as long, at least\n"
    "                   every 10 s); change events (inotify) show changes sooner\n"
    "                   where the file system delivers them (not NFS, Lustre, GPFS)\n"
    "  --readonly       browse only: clean, restart and relink are refused\n"
    "  --depth N        look at most N folders down for runs (default 6)\n"
    "  --chart STYLE    the chart's cells: braille (default in UTF-8), block, or\n"
    "                   ascii (default otherwise); b cycles them\n"
    "  --no-color       the monochrome scheme (also when NO_COLOR is set)\n"
    "  --no-mouse       leave the mouse to the terminal (its own selection)\n"
    "  -h, --help       show this help\n"
    "\n"
    "Keys: ? in the dashboard lists them all. q quits; arrows or j/k move; Tab\n"
    "changes pane; / filters runs; s sorts; space marks; v/V verify; c cleans;\n"
    "r restarts from an epoch; l relinks; L shows the log.\n"
    "\n"
    "Exit status: 0 quit, 2 usage error or no terminal could be set up, 128+N\n"
    "ended by signal N (130 Ctrl-C, 129 hangup, 143 SIGTERM).\n";

enum { OPT_POLL = 1, OPT_READONLY, OPT_DEPTH, OPT_CHART, OPT_NO_COLOR, OPT_NO_MOUSE };

static const cli_option options[] = {
    {"poll", true, OPT_POLL},
    {"readonly", false, OPT_READONLY},
    {"depth", true, OPT_DEPTH},
    {"chart", true, OPT_CHART},
    {"no-color", false, OPT_NO_COLOR},
    {"no-mouse", false, OPT_NO_MOUSE},
    {NULL, false, 0},
};

/* How long the main loop sleeps without keys or messages: the ages on
 * screen and a verify's progress move on at this pace. */
#define TICK_MS 100

const char *dash_escape(dash *d, char *out, size_t size, const char *text)
{
	ckpt_escape(out, size, text, d->ascii ? CKPT_ESCAPE_ASCII : 0);
	return out;
}

void dash_say(dash *d, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->status, sizeof d->status, fmt, ap);
	va_end(ap);
	d->status_error = error;
	d->status_until = d->now + (error ? 30 : 8);
	d->dirty = true;
}

/* ---- the workers' messages --------------------------------------------------------- */

static void on_list(dash *d, dash_msg *m)
{
	dash_model_reconcile(d, m->path, m->runs, m->n_runs);
	if (m->path >= 0 && (size_t)m->path < d->o.n_paths) {
		d->problems[m->path] = m->problems;
		free(d->problem_text[m->path]);
		d->problem_text[m->path] = m->text;
		m->text = NULL;
	}
	/* The library's message names the folder. */
	if (m->rc)
		dash_say(d, true, "%s", m->error ? m->error : "a PATH cannot be scanned");
}

static void on_run(dash *d, dash_msg *m)
{
	dash_run *r = dash_model_find(d, m->root);
	if (!r || !m->run)
		return;
	dash_model_put(d, m->run, r->path);
	/* The verify that made them ended before this snapshot was read. */
	if (r->checks_done) {
		for (size_t i = 0; i < r->n_checks; i++)
			free(r->checks[i].detail);
		free(r->checks);
		r->checks = NULL, r->n_checks = 0, r->checks_done = false;
		d->epochs_dirty = d->runs_table_dirty = true;
	}
}

static void on_history(dash *d, dash_msg *m)
{
	dash_run *r = dash_model_find(d, m->root);
	if (!r)
		return;
	if (m->rc == CKPT_ECANCELLED) {
		/* Passed over for a newer selection: to be asked again. */
		r->history_asked = false;
		return;
	}
	if (m->rc && r == dash_selected(d))
		dash_say(d, true, "history: %s", m->error ? m->error : "cannot read");
	if (m->history && m->history != r->history) {
		ckpt_history_free(r->history);
		r->history = m->history;
		m->history = NULL;
		if (r == dash_selected(d))
			d->epochs_dirty = true;
	}
}

static void on_log(dash *d, dash_msg *m)
{
	dash_run *r = dash_selected(d);
	if (!r || strcmp(r->root, m->root) != 0)
		return;
	free(d->log_text);
	d->log_text = m->rc ? NULL : m->text;
	m->text = NULL;
	free(d->log_root);
	d->log_root = strdup(m->root);
	size_t lines = 0, len = d->log_text ? strlen(d->log_text) : 0;
	for (const char *p = d->log_text; p && *p; p++)
		lines += *p == '\n';
	/* A last line without its newline is a line too. */
	lines += len && d->log_text[len - 1] != '\n';
	/* Following: a view at the end stays at the end. */
	bool at_end = d->log_panel.top + (size_t)d->log_panel.height >= d->log_panel.count;
	d->log_panel.count = lines;
	if (at_end)
		panel_end(&d->log_panel);
	panel_set_height(&d->log_panel, d->log_panel.height);
}

/* Handles every message that came; returns how many. */
static size_t take_messages(dash *d)
{
	dash_msg *m = dash_jobs_take(d->jobs);
	size_t n = 0;
	if (m)
		d->dirty = true;
	for (; m; n++) {
		dash_msg *next = m->next;
		switch (m->kind) {
		case MSG_RUN_FOUND: dash_model_put(d, m->run, m->path); break;
		case MSG_SCAN_DONE:
		case MSG_LIST: on_list(d, m); break;
		case MSG_RUN: on_run(d, m); break;
		case MSG_HISTORY: on_history(d, m); break;
		case MSG_LOG: on_log(d, m); break;
		default: dash_on_action_message(d, m); break;
		}
		dash_msg_free(m);
		m = next;
	}
	return n;
}

/* ---- the loop ------------------------------------------------------------------------ */

/* What the benchmark reads (CKPT_DASH_STATS=FILE): when the first run was
 * drawn, and the cost of the frames that followed a message. */
typedef struct dash_stats {
	double start, first_run_drawn, first_screen_full;
	size_t frames, refresh_frames;
	double refresh_seconds, refresh_max;
} dash_stats;

static void write_stats(const dash *d, const dash_stats *s)
{
	const char *path = getenv("CKPT_DASH_STATS");
	if (!path || !*path)
		return;
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	fprintf(f,
		"first_run_drawn %.6f\nfirst_screen_full %.6f\nframes %zu\nrefresh_frames %zu\n"
		"refresh_seconds %.6f\nrefresh_max %.6f\nruns %zu\nmax_rss_kib %ld\n",
		s->first_run_drawn, s->first_screen_full, s->frames, s->refresh_frames,
		s->refresh_seconds, s->refresh_max, d->n_runs, ru.ru_maxrss);
	fclose(f);
}

static void refresh_log(dash *d)
{
	dash_run *r = dash_selected(d);
	if (!d->show_log || !r)
		return;
	bool other = !d->log_root || strcmp(d->log_root, r->root) != 0;
	if (other || d->now - d->log_asked >= 1.0) {
		d->log_asked = d->now;
		dash_jobs_log(d->jobs, r->run, 500);
	}
}

/* Frames a second at most for what the workers report (a scan of
 * thousands of runs sends thousands of messages); keys draw at once. */
#define MIN_FRAME_SECONDS 0.04

static void count_frame(dash *d, dash_stats *stats, double took, bool news)
{
	stats->frames++;
	if (!stats->first_run_drawn && d->n_view)
		stats->first_run_drawn = dash_now() - stats->start;
	if (!stats->first_screen_full && d->n_view &&
	    (d->n_view >= (size_t)d->runs_panel.height || d->scan_done))
		stats->first_screen_full = dash_now() - stats->start;
	if (news && d->scan_done) {
		stats->refresh_frames++;
		stats->refresh_seconds += took;
		stats->refresh_max = took > stats->refresh_max ? took : stats->refresh_max;
	}
}

static void loop(dash *d)
{
	dash_stats stats = {dash_now(), 0, 0, 0, 0, 0, 0};
	double last_draw = 0;
	bool keyed = true, news = false, shown = false;
	d->dirty = true;
	while (!d->quit) {
		d->now = dash_now();
		d->wall = (int64_t)time(NULL);
		double t0 = d->now;
		/* Looked at before the messages are taken: the scan flag turns
		 * after its last runs are queued, so when it had turned, they are
		 * all in now (after the take, some could still wait, and a
		 * dashboard of one run so far would move the focus to its epochs). */
		bool scan_over = !d->scan_done && !dash_jobs_scanning(d->jobs, NULL, NULL);
		if (take_messages(d))
			news = true;
		int sig = term_signal();
		if (sig) {
			d->exit_status = 128 + sig;
			break;
		}
		dash_model_update_view(d);
		dash_model_update_rows(d);
		if (d->dirty)
			dash_model_sync_jobs(d);
		dash_model_retry_history(d);
		refresh_log(d);
		if (d->now - d->last_tick >= 1.0) {
			/* Ages ("3 s ago") move on: tables whose shown ages
			 * changed are made again. */
			d->last_tick = d->now;
			if (dash_tables_aged(d))
				d->dirty = true;
		}
		dash_progress p;
		dash_jobs_progress(d->jobs, &p);
		if (p.action == ACTION_VERIFY || !d->scan_done)
			d->dirty = true;
		if (scan_over)
			d->scan_done = true, d->dirty = true;
		int wait_ms = TICK_MS;
		/* The first runs found show at once; then frames are paced. */
		if (d->dirty && !keyed && shown && d->now - last_draw < MIN_FRAME_SECONDS) {
			wait_ms = (int)((last_draw + MIN_FRAME_SECONDS - d->now) * 1000) + 1;
		} else if (d->dirty) {
			dash_draw(d);
			d->dirty = false;
			last_draw = dash_now();
			shown = d->n_view > 0;
			count_frame(d, &stats, last_draw - t0, news);
			news = false;
		}
		/* A key, a worker's message or the tick, whichever comes first. */
		struct pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0},
					{dash_jobs_fd(d->jobs), POLLIN, 0}};
		poll(fds, 2, wait_ms);
		/* Keys typed ahead are handled before the next frame (and a
		 * resize, which curses reports as a key after SIGWINCH). */
		keyed = false;
		int key = wgetch(d->win);
		for (int n = 0; key != ERR && n < 64 && !d->quit; n++) {
			d->now = dash_now();
			dash_key(d, key);
			d->dirty = keyed = true;
			key = wgetch(d->win);
		}
	}
	write_stats(d, &stats);
}

/* ---- options ---------------------------------------------------------------------- */

static int parse(dash_options *o, int argc, char **argv)
{
	cli_parser p;
	cli_parser_init(&p, argc, argv, options);
	const char *value;
	int id;
	while ((id = cli_next(&p, &value)) != CLI_ARG_END) {
		long depth;
		switch (id) {
		case OPT_POLL:
			if (!cli_parse_double("ui", "--poll", value, 0.1, &o->poll))
				return CLI_USAGE;
			break;
		case OPT_READONLY: o->readonly = true; break;
		case OPT_DEPTH:
			if (!cli_parse_long("ui", "--depth", value, 1, 1000, &depth))
				return CLI_USAGE;
			o->depth = (int)depth;
			break;
		case OPT_CHART:
			if (!chart_style_from_name(&o->chart, value) || o->chart == CHART_GLYPH)
				return cli_usage_error(
				    "ui", "--chart must be braille, block or ascii, not '%s'",
				    value);
			o->chart_given = true;
			break;
		case OPT_NO_COLOR: o->no_color = true; break;
		case OPT_NO_MOUSE: o->no_mouse = true; break;
		case CLI_ARG_POSITIONAL: o->paths[o->n_paths++] = value; break;
		case CLI_ARG_HELP: return cli_help(usage);
		case CLI_ARG_UNKNOWN: return cli_usage_error("ui", "unknown option '%s'", value);
		default: return CLI_USAGE;
		}
	}
	return CLI_OK;
}

/* Without a terminal: `ckpt ls` on the same PATHs. */
static int print_list(const dash_options *o)
{
	char depth[32];
	char **argv = calloc(o->n_paths + 4, sizeof *argv);
	if (!argv)
		return CLI_USAGE;
	int argc = 0;
	argv[argc++] = "ls";
	if (o->depth) {
		snprintf(depth, sizeof depth, "%d", o->depth);
		argv[argc++] = "--depth";
		argv[argc++] = depth;
	}
	if (o->n_paths)
		argv[argc++] = "--";
	for (size_t i = 0; i < o->n_paths; i++)
		argv[argc++] = (char *)o->paths[i];
	int rc = cmd_ls(argc, argv);
	free(argv);
	return rc;
}

static int run_dashboard(dash *d)
{
	const char *error = NULL;
	const char *no_color = getenv("NO_COLOR");
	term_options to = {!d->o.no_color && !(no_color && *no_color), !d->o.no_mouse};
	if (term_start(&to, &error) != 0) {
		cli_error("ui", "%s", error);
		return CLI_USAGE;
	}
	d->ascii = !term_utf8();
	d->chart_style = d->o.chart_given ? d->o.chart : d->ascii ? CHART_ASCII : CHART_BRAILLE;
	d->win = stdscr;
	/* Keys are read when poll() says there are some: never wait in curses. */
	wtimeout(d->win, 0);
	dash_model_init(d);
	d->now = dash_now();
	d->wall = (int64_t)time(NULL);
	dash_jobs_config jc = {d->o.paths, d->o.n_paths, d->o.depth, d->o.poll,
			       getenv("CKPT_NO_INOTIFY") != NULL};
	if (dash_jobs_start(&d->jobs, &jc) != 0)
		term_fatal("cannot start the worker threads");
	dash_layout_compute(d);
	loop(d);
	/* The terminal first: a worker stuck on a dead file server must not
	 * keep the user's shell waiting in our screen. */
	term_end();
	dash_jobs_stop(d->jobs, 2.0);
	dash_model_free(d);
	ckpt_clean_plan_free(d->plan);
	ckpt_restart_free(d->restart);
	fmt_table_free(d->runs_table);
	fmt_table_free(d->epochs_table);
	free(d->plan_root);
	free(d->restart_root);
	free(d->restart_refusal);
	free(d->log_text);
	free(d->log_root);
	return d->exit_status;
}

int cmd_ui(int argc, char **argv)
{
	dash d;
	memset(&d, 0, sizeof d);
	d.o.poll = 1.0;
	d.o.paths = calloc((size_t)argc + 1, sizeof *d.o.paths);
	if (!d.o.paths) {
		cli_error("ui", "out of memory");
		return CLI_USAGE;
	}
	int rc = parse(&d.o, argc, argv);
	if (rc == CLI_OK && d.o.n_paths == 0)
		d.o.paths[d.o.n_paths++] = ".";
	if (rc == CLI_OK && !cli_stdout_is_tty())
		rc = print_list(&d.o);
	else if (rc == CLI_OK)
		rc = run_dashboard(&d);
	free(d.o.paths);
	return rc == CLI_STOP ? CLI_OK : rc;
}
