/* window-fixture.h: the window's UI tests: a window on a fresh copy of the
 * fixture runs (exp-2026-03, scanned and compared), and waits on the main
 * loop for what the window does on its threads. */
#pragma once

#include "ckpt-application.h"
#include "ui-support.h"

typedef struct {
	char *tmp;  /* the test's own temporary folder */
	char *runs; /* tmp/exp-2026-03 */
	CkptWindow *window;
} Fixture;

/* The application the windows belong to (non-unique, registered). */
extern CkptApplication *app;

void window_fixture_init(int *argc, char ***argv);
void fixture_set_up(Fixture *f, gconstpointer data);
void fixture_tear_down(Fixture *f, gconstpointer data);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)

/* The run named `name` (borrowed from the store) and the table's row of epoch. */
CkptRunItem *find_run(Fixture *f, const char *name);
CkptEpochItem *row_of(Fixture *f, gint64 epoch);
/* A click on a response button: the response, then the dialog closes. */
void respond(AdwMessageDialog *dialog, const char *response);
/* Waits for the operation under way and for the run's refresh after it. */
void finish_operation(Fixture *f);
/* Saves the window as name.png (see ui_save) and checks it is not blank. */
void save_window(GtkWindow *window, const char *name);

/* Conditions for ui_wait. data: the window unless said otherwise. */
gboolean scanned(gpointer data);     /* the 7 fixture runs in and compared */
gboolean finalized(gpointer data);   /* data: the Fixture; its window is gone */
gboolean idle_window(gpointer data); /* no operation under way */
gboolean has_dialog(gpointer data);  /* a clean or restart dialog open */
gboolean plan_ready(gpointer data);  /* the clean dialog has its plan */
gboolean has_toast(gpointer data);   /* a toast was shown */
gboolean rows_are(gpointer data);    /* data: {window, n}: the table has n rows */
gboolean n_runs_are(gpointer data);  /* data: {window, n}: n runs, scans done */
