/* api-fixture.h: what the programs testing the 0.2 API share: a temporary
 * tree per test with its own verify-record cache, libckpt writers with a
 * scripted model callback, small file surgery, unprivileged children and a
 * progress recorder. Every helper fails the running test on error. */
#ifndef CKPT_API_FIXTURE_H
#define CKPT_API_FIXTURE_H

#include "internal.h"
#include "testutil.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A fresh temporary tree for one test; XDG_CACHE_HOME and HOME point into
 * it (so verify records land in <dir>/cache/ckpt/verify). Remove it with
 * af_tree_free. Caller keeps the returned path until then. */
char *af_tree_new(void);
void af_tree_free(char *dir);

/* What the model callbacks write and saw. */
typedef struct af_model {
	const char *tag;          /* written into every model ("m" when NULL) */
	size_t bytes;             /* model size (1000 when 0) */
	mode_t mode;              /* file mode (0644 when 0) */
	int fail_write;           /* 1-based write call that fails (0: none) */
	int fail_load;            /* nonzero: the loader fails */
	const char *fail_message; /* given to ckpt_error_set before failing, or NULL */
	int writes, loads;
	char loaded[4096]; /* the path the loader was given */
} af_model;

int af_write_model(const char *path, void *payload);
int af_load_model(const char *path, void *payload);

/* A writer (flags as for ckpt_writer_new) on root with the model callbacks
 * on m and "key", "value" pairs (NULL-terminated) set after these defaults:
 * epochs=100, ckpt_checksum=true, ckpt_fsync=false. */
ckpt_writer *af_writer(const char *root, af_model *m, unsigned flags, ...) G_GNUC_NULL_TERMINATED;
ckpt_writer *af_writer_v(const char *root, af_model *m, unsigned flags, va_list ap);
/* ckpt_writer_epoch for 1-based epoch1, asserting success. */
ckpt_epoch_result af_epoch(ckpt_writer *w, long epoch1, char direction, double value);
/* n epochs (values[i] for epoch i+1, direction '-'), then the writer is
 * freed; "key", "value" pairs (NULL-terminated) as for af_writer. */
void af_save(const char *root, const double *values, int n, ...) G_GNUC_NULL_TERMINATED;

/* root/epochs/NNN/file (file may be NULL). Caller g_free()s. */
char *af_epoch_path(const char *root, long epoch, const char *file);
/* Flips every bit of the byte at offset, keeping size and mtime. */
void af_flip_byte(const char *path, off_t offset);
/* Sets a file's (or directory's) mtime, not following links. */
void af_set_mtime(const char *path, time_t when);
/* Atomically replaces path by a new file with the same content (new inode). */
void af_replace_file(const char *path);
/* The lines of a text file. Caller g_strfreev()s. */
char **af_read_lines(const char *path);
/* Writes lines (NULL-terminated), each followed by a newline. */
void af_write_lines(const char *path, char *const *lines);
/* Number of entries of a directory (0 when absent). */
size_t af_dir_count(const char *path);
/* The list's run of that name (borrowed), or NULL. */
ckpt_run *af_run_named(const ckpt_run_list *list, const char *name);

/* The checkpoint root of a current-layout fixture run. Caller g_free()s. */
char *af_fixture_root(const tu_fixture *f, const char *name);

/* Makes every directory from / to path searchable and readable by all. */
void af_open_path(const char *path);
/* Runs fn in a child process that cannot read or write what only root
 * may (as root, it drops to uid/gid 65534 first); fn's ints come back
 * through a pipe. Returns how many came back. Every directory from / to
 * `reach` is made searchable by all first (af_open_path). */
size_t af_unprivileged(const char *reach, int (*fn)(int *results, size_t n, void *payload),
		       void *payload, int *results, size_t n);

/* Records a call's progress events (a ckpt_progress_fn). */
typedef struct af_progress {
	int calls;
	int wrong_size;   /* events whose size was not the library's sizeof */
	int other_stage;  /* events of a stage other than the first one */
	ckpt_stage stage; /* of the first event */
	bool went_back;   /* done or items_done decreased */
	bool past_total;  /* done > total (total known) or items_done > items_total */
	char run[256];    /* the last event's run name, "" for NULL */
	uint64_t done, total, items_done, items_total; /* the last event's */
	int stop_after;                                /* nonzero: return 1 from this call on */
} af_progress;

int af_record_progress(const ckpt_progress_event *event, void *payload);

#endif
