/* restart.c: the object that says what a restart loads (ckpt_writer_restart)
 * or would load after a rollback (ckpt_rollback). */
#include "internal.h"

#include <math.h>
#include <stdlib.h>

int ckpt_restart_new(ckpt_restart **out)
{
	*out = calloc(1, sizeof **out);
	if (!*out)
		return ckpt_fail(CKPT_ENOMEM, "restart: out of memory");
	(*out)->best_metric_last = NAN;
	return 0;
}

int ckpt_restart_set(ckpt_restart *r, long epoch, double best_metric_last, const char *model,
		     const char *info_json)
{
	r->resumed = true;
	r->epoch = epoch;
	r->best_metric_last = best_metric_last;
	free(r->model_path);
	free(r->info_json);
	r->model_path = ckpt_strdup(model);
	r->info_json = ckpt_strdup(info_json);
	if ((model && !r->model_path) || (info_json && !r->info_json))
		return ckpt_fail(CKPT_ENOMEM, "%s: out of memory", model ? model : "restart");
	return 0;
}

void ckpt_restart_free(ckpt_restart *r)
{
	if (!r)
		return;
	free(r->model_path);
	free(r->info_json);
	free(r);
}

bool ckpt_restart_resumed(const ckpt_restart *r)
{
	return r && r->resumed;
}

int64_t ckpt_restart_epoch(const ckpt_restart *r)
{
	return r && r->resumed ? r->epoch : 0;
}

double ckpt_restart_best_metric_last(const ckpt_restart *r)
{
	return r ? r->best_metric_last : NAN;
}

const char *ckpt_restart_model_path(const ckpt_restart *r)
{
	return r ? r->model_path : NULL;
}

const char *ckpt_restart_info_json(const ckpt_restart *r)
{
	return r ? r->info_json : NULL;
}
