/* reader-fixture.h: small runs built by hand and opened, shared by
 * test-reader, test-reader-hostile and test-reader-changes. */
#ifndef CKPT_READER_FIXTURE_H
#define CKPT_READER_FIXTURE_H

#include "internal.h"

#include <cjson/cJSON.h>

/* epochs/NNN under root with a model of 100 + epoch bytes and a ckpt-info.json
 * whose "epoch" field is info_epoch (normally the epoch itself). */
void make_epoch_as(const char *root, long epoch, long info_epoch, double best_last);
void make_epoch(const char *root, long epoch);
/* A root with epochs 1..n, a log and a relative `last`. */
void make_root(const char *root, long n);
/* A run folder <dir>/<rel> holding ckpts/ with n epochs; returns the root
 * (caller g_free()s). */
char *make_run(const char *dir, const char *rel, long n);
/* ckpt_run_to_json, parsed. Caller cJSON_Delete()s. */
cJSON *run_json(const ckpt_run *run);

#endif
