/* writer-fixture.h: writers on temporary roots with a scripted model
 * callback, and the checks on what they leave (epoch dirs, links, models,
 * ckpt-info.json, ckpt.log) shared by the writer's test programs. */
#ifndef CKPT_WRITER_FIXTURE_H
#define CKPT_WRITER_FIXTURE_H

#include "internal.h"

#include <glib.h>
#include <stdbool.h>

typedef struct model_io {
	const char *tag;    /* written into every model */
	int fail_at;        /* epoch whose write fails (0: none) */
	bool write_nothing; /* returns success without a file */
	int writes;
	int loads;
	char loaded[4096];
	char *loaded_bytes;
} model_io;

/* The model bytes written for an epoch: "<tag> model <n>" repeated. Caller g_free()s. */
char *model_bytes(const char *tag, int n);
/* A writer on root with "key", "value" pairs (NULL-terminated) set. */
ckpt_writer *writer_with(const char *root, model_io *io, ...);
/* Saves epoch epoch1 (1-based), asserting success. */
ckpt_epoch_result epoch(ckpt_writer *w, long epoch1, char direction, double value);
/* n epochs of values, keep mode all, then the writer is freed; "key", "value"
 * pairs (NULL-terminated) follow n. */
void save_epochs(const char *root, const char *tag, const double *values, int n, ...);
/* ckpt_writer_restart, its result logged. *out (NULL, or an earlier
 * restart's, which is freed first) is NULL on failure; caller frees it
 * with ckpt_restart_free. */
int restart(ckpt_writer *w, ckpt_restart **out);

/* "001 004" for the epoch directories under root/epochs. Caller g_free()s. */
char *epoch_dirs(const char *root);
/* root/a/b/c (c or b and c may be NULL). Caller g_free()s. */
char *path_in(const char *root, const char *a, const char *b, const char *c);
/* The messages of root/ckpt.log, the "date time CandleCkpt: " prefix checked and cut. */
GPtrArray *log_messages(const char *root);
/* Asserts that `expected` (NULL-terminated) appear in this order in the log. */
void assert_log_sequence(const char *root, const char *const *expected);
bool log_has(const char *root, const char *message);
/* root/epochs/dir/ckpt-info.json, asserting success. */
void read_info(ckpt_info *info, const char *root, const char *dir);
void assert_model(const char *root, const char *dir, const char *tag, int n);

#endif
