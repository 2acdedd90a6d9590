/* ops-fixture.h: the original's fixture runs (tu_fixture) opened and altered
 * for the browser operations, and the checks on what an operation leaves;
 * shared by test-verify, test-rollback, test-clean and test-ops. */
#ifndef CKPT_OPS_FIXTURE_H
#define CKPT_OPS_FIXTURE_H

#include "internal.h"
#include "testutil.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Points XDG_CACHE_HOME at a temporary folder of this program's, removed at
 * exit: verify remembers its results there (0.2), and a test must leave
 * nothing in the user's ~/.cache. Call once, from main. */
void use_private_cache(void);

/* The checkpoint root of a current-layout fixture run. Caller g_free()s. */
char *root_of(const tu_fixture *f, const char *name);
/* root/epochs/NNN/file (file may be NULL). Caller g_free()s. */
char *epoch_path(const char *root, long epoch, const char *file);
bool epoch_exists(const char *root, long epoch);
ckpt_run *open_fixture(const tu_fixture *f, const char *name);

void assert_log_has(const char *log_path, const char *line);
void assert_error_has(const char *part);
/* tu_snapshot_tree. The lock file is listed too: releasing the run's lock
 * removes R/ckpt.lock (0.2), so an operation leaves none behind. */
char *snapshot(const char *dir);

/* Replaces the "checksum" of an epoch's ckpt-info.json. */
void set_stored_checksum(const char *root, long epoch, const char *checksum);
void flip_byte(const char *path, size_t offset);

typedef struct progress_log {
	int calls;
	char first_stage[64]; /* "<stage> NNN" ("verify 026"), or the stage alone */
	char last_stage[64];
	uint64_t last_done, last_total;
	uint64_t last_items_done, last_items_total;
	bool went_back; /* done decreased between calls */
} progress_log;

/* A ckpt_progress callback filling the progress_log in payload; goes on. */
int record_progress(const ckpt_progress_event *event, void *payload);

/* Asserts the i-th item of a clean plan: its epoch and reason (and so keep). */
void assert_item(const ckpt_clean_plan *plan, size_t i, long epoch, const char *reason);
/* keep 0 and mode CKPT_KEEP_RUNS_OWN take the run's own. */
ckpt_clean_plan *plan_run(ckpt_run *run, long keep, ckpt_keep_mode mode);

#endif
