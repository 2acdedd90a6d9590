/* ops-fixture.c: fixture runs and checks for the browser operations' test
 * programs (see ops-fixture.h). */
#include "ops-fixture.h"
#include "testutil.h"

#include <string.h>
#include <unistd.h>

static char *private_cache;

static void remove_private_cache(void)
{
	tu_rmtree(private_cache);
	g_free(private_cache);
	private_cache = NULL;
}

void use_private_cache(void)
{
	if (private_cache)
		return;
	private_cache = tu_tmpdir();
	g_setenv("XDG_CACHE_HOME", private_cache, TRUE);
	atexit(remove_private_cache);
}

/* The checkpoint root of a current-layout fixture run. */
char *root_of(const tu_fixture *f, const char *name)
{
	return g_build_filename(f->exp, name, "ckpts", NULL);
}

char *epoch_path(const char *root, long epoch, const char *file)
{
	char name[32];
	ckpt_epoch_dir_name(name, epoch);
	return g_build_filename(root, "epochs", name, file, NULL);
}

bool epoch_exists(const char *root, long epoch)
{
	char *path = epoch_path(root, epoch, NULL);
	bool exists = tu_exists(path);
	g_free(path);
	return exists;
}

ckpt_run *open_fixture(const tu_fixture *f, const char *name)
{
	char *path = g_build_filename(f->exp, name, NULL);
	ckpt_run *run = tu_open_run(path);
	g_free(path);
	return run;
}

void assert_log_has(const char *log_path, const char *line)
{
	char *text = tu_read(log_path, NULL);
	g_assert_nonnull(text);
	if (!strstr(text, line))
		g_test_message("%s has no line '%s'", log_path, line);
	g_assert_nonnull(strstr(text, line));
	g_free(text);
}

void assert_error_has(const char *part)
{
	if (!strstr(ckpt_error_last(), part))
		g_test_message("error '%s' does not name '%s'", ckpt_error_last(), part);
	g_assert_nonnull(strstr(ckpt_error_last(), part));
}

/* The lock file is no longer left out: releasing the lock removes it (0.2),
 * so an operation that left a ckpt.lock behind now shows as a change. */
char *snapshot(const char *dir)
{
	return tu_snapshot_tree(dir);
}

/* Replaces the "checksum" of an epoch's ckpt-info.json. */
void set_stored_checksum(const char *root, long epoch, const char *checksum)
{
	char *path = epoch_path(root, epoch, "ckpt-info.json");
	char *text = tu_read(path, NULL);
	g_assert_nonnull(text);
	cJSON *json = cJSON_Parse(text);
	g_assert_nonnull(json);
	cJSON_ReplaceItemInObjectCaseSensitive(json, "checksum", cJSON_CreateString(checksum));
	char *out = cJSON_PrintUnformatted(json);
	tu_write(path, out);
	cJSON_free(out);
	cJSON_Delete(json);
	g_free(text);
	g_free(path);
}

void flip_byte(const char *path, size_t offset)
{
	gsize len = 0;
	char *bytes = tu_read(path, &len);
	g_assert_nonnull(bytes);
	g_assert_cmpuint(offset, <, len);
	bytes[offset] ^= 0x01;
	tu_write_bytes(path, bytes, len);
	g_free(bytes);
}

static const char *stage_name(ckpt_stage stage)
{
	switch (stage) {
	case CKPT_STAGE_SCAN: return "scan";
	case CKPT_STAGE_VERIFY: return "verify";
	case CKPT_STAGE_CLEAN: return "clean";
	case CKPT_STAGE_CHECKSUM: return "checksum";
	}
	return "?";
}

int record_progress(const ckpt_progress_event *event, void *payload)
{
	progress_log *log = payload;
	char stage[64];
	if (event->epoch > 0)
		g_snprintf(stage, sizeof stage, "%s %03lld", stage_name(event->stage),
			   (long long)event->epoch);
	else
		g_strlcpy(stage, stage_name(event->stage), sizeof stage);
	if (log->calls == 0)
		g_strlcpy(log->first_stage, stage, sizeof log->first_stage);
	else if (event->done < log->last_done)
		log->went_back = true;
	g_strlcpy(log->last_stage, stage, sizeof log->last_stage);
	log->last_done = event->done;
	log->last_total = event->total;
	log->last_items_done = event->items_done;
	log->last_items_total = event->items_total;
	log->calls++;
	return 0;
}

void assert_item(const ckpt_clean_plan *plan, size_t i, long epoch, const char *reason)
{
	g_assert_cmpuint(i, <, ckpt_clean_plan_count(plan));
	g_assert_cmpint(ckpt_clean_plan_epoch(plan, i), ==, epoch);
	g_assert_cmpstr(ckpt_clean_reason_name(ckpt_clean_plan_reason(plan, i)), ==, reason);
	g_assert_cmpint(ckpt_clean_plan_keeps(plan, i), ==, strcmp(reason, "beyond-limit") != 0);
}

ckpt_clean_plan *plan_run(ckpt_run *run, long keep, ckpt_keep_mode mode)
{
	ckpt_clean_plan *plan = NULL;
	g_assert_cmpint(ckpt_clean_plan_new(&plan, run, keep, mode), ==, 0);
	g_assert_nonnull(plan);
	return plan;
}
