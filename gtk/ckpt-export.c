/* ckpt-export.c: CSV export of metric histories (see ckpt-export.h). Numbers
 * are written by ckpt_format_number: the C locale's shortest round trip. */
#include "ckpt-export.h"

#include "ckpt-format.h"

static void put_field(GString *out, const char *text)
{
	g_autofree char *field = ckpt_csv_field(text);
	g_string_append(out, field);
}

static void put_run(GString *out, const CkptExportRun *r)
{
	const ckpt_history *h = r->snapshot->history;
	const ckpt_run *run = r->snapshot->run;
	if (!h)
		return;
	g_autofree char *metric = ckpt_text_escape(ckpt_history_metric(h) ? ckpt_history_metric(h)
									  : ckpt_run_metric(run));
	for (size_t i = 0; i < ckpt_history_count(h); i++) {
		char number[CKPT_NUMBER_TEXT_MAX] = "";
		double v;
		if (ckpt_history_value(&v, h, i))
			ckpt_format_number(number, v);
		g_autofree char *time = ckpt_text_escape(ckpt_history_time(h, i));
		put_field(out, r->name);
		g_string_append_printf(out, ",%d,%lld,", ckpt_history_session(h, i),
				       (long long)ckpt_history_epoch(h, i));
		put_field(out, time);
		g_string_append_c(out, ',');
		put_field(out, metric);
		g_string_append_printf(out, ",%s,%d,%d,%d,%d\n", number, ckpt_history_saved(h, i),
				       ckpt_history_became_best(h, i),
				       ckpt_history_on_disk(h, i, run),
				       ckpt_history_recovered(h, i));
	}
}

char *ckpt_export_csv(const CkptExportRun *runs, gsize n)
{
	GString *out = g_string_new("run,session,epoch,time,metric,value,saved,became_best,"
				    "on_disk,recovered\n");
	for (gsize k = 0; k < n; k++)
		put_run(out, &runs[k]);
	return g_string_free(out, FALSE);
}
