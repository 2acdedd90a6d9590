/* log-fixture.h: the ckpt.log of the original's fixture runs parsed, and
 * files in fresh temporary folders; shared by test-log and test-history. */
#ifndef CKPT_LOG_FIXTURE_H
#define CKPT_LOG_FIXTURE_H

#include "internal.h"
#include "testutil.h"

#include <stdbool.h>

/* The ckpt.log of a fixture run, in either layout, failing the test on error. */
void parse_run_log(ckpt_log_summary *log, const tu_fixture *fx, const char *run);

/* A file name in a fresh temporary directory. */
typedef struct tmp_file {
	char *tmp;
	char *path;
} tmp_file;

tmp_file tmp_file_new(const char *name);
void tmp_file_done(tmp_file *f);

#endif
