/* run-access.c: the public read-only accessors of a run snapshot. */
#include "internal.h"
#include "run-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- accessors -------------------------------------------------------------- */

const char *ckpt_run_name(const ckpt_run *run)
{
	return run ? run->name : NULL;
}

const char *ckpt_run_root(const ckpt_run *run)
{
	return run ? run->root : NULL;
}

const char *ckpt_run_folder(const ckpt_run *run)
{
	return run ? run->folder : NULL;
}

const char *ckpt_run_log_path(const ckpt_run *run)
{
	return run ? run->log_path : NULL;
}

const char *ckpt_run_history_path(const ckpt_run *run)
{
	return run ? run->history_path : NULL;
}

const char *ckpt_run_problem(const ckpt_run *run)
{
	return run ? run->problem : NULL;
}

size_t ckpt_run_info_reads(const ckpt_run *run)
{
	return run ? run->info_reads : 0;
}

ckpt_layout ckpt_run_layout(const ckpt_run *run)
{
	return run ? run->layout : CKPT_LAYOUT_CANDLE;
}

const char *ckpt_run_metric(const ckpt_run *run)
{
	return run ? run->metric : NULL;
}

char ckpt_run_direction(const ckpt_run *run)
{
	return run ? run->direction : 0;
}

long ckpt_run_best(const ckpt_run *run)
{
	return run ? run->best : 0;
}

long ckpt_run_last(const ckpt_run *run)
{
	return run ? run->last : 0;
}

int ckpt_run_work_leftover(const ckpt_run *run)
{
	return run && run->work_leftover;
}

size_t ckpt_run_stray_count(const ckpt_run *run)
{
	return run ? run->n_strays : 0;
}

size_t ckpt_run_epoch_count(const ckpt_run *run)
{
	return run ? run->n_epochs : 0;
}

uint64_t ckpt_run_total_bytes(const ckpt_run *run)
{
	return run ? run->total_bytes : 0;
}

ckpt_link_state ckpt_run_best_state(const ckpt_run *run)
{
	return run ? run->best_state : CKPT_LINK_MISSING;
}

ckpt_link_state ckpt_run_last_state(const ckpt_run *run)
{
	return run ? run->last_state : CKPT_LINK_MISSING;
}

const char *ckpt_run_stray(const ckpt_run *run, size_t i)
{
	return run && i < run->n_strays ? run->strays[i] : NULL;
}

const ckpt_writer_info *ckpt_run_writer(const ckpt_run *run)
{
	return run && run->has_writer ? &run->writer : NULL;
}

const ckpt_epoch *ckpt_run_epoch(const ckpt_run *run, size_t i)
{
	return run && i < run->n_epochs ? &run->epochs[i] : NULL;
}

const ckpt_epoch *ckpt_run_find_epoch(const ckpt_run *run, long epoch)
{
	if (!run || run->n_epochs == 0)
		return NULL;
	return bsearch(&epoch, run->epochs, run->n_epochs, sizeof *run->epochs,
		       run_compare_epoch_key);
}
