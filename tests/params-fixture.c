/* params-fixture.c: parameter stores and their settings, shared by
 * test-params and test-config (see params-fixture.h). */
#include "params-fixture.h"

#include <glib.h>

ckpt_params *params_with_epochs(void)
{
	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set_int(params, "epochs", 10), ==, 0);
	return params;
}

ckpt_settings settings_of(const ckpt_params *params)
{
	ckpt_settings settings;
	int rc = ckpt_settings_from_params(&settings, params);
	if (rc != 0)
		g_error("settings: %s", ckpt_error_last());
	return settings;
}

void assert_get(const ckpt_params *params, const char *key, const char *expected)
{
	const char *text = "unchanged";
	g_assert_cmpint(ckpt_params_get(&text, params, key), ==, 0);
	g_assert_cmpstr(text, ==, expected);
}
