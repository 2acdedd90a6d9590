/* json-fixture.c: helpers shared by test-json, test-info and test-checksum
 * (see json-fixture.h). */
#include "json-fixture.h"
#include "internal.h"
#include "testutil.h"

#include <string.h>

double number_of(const cJSON *object, const char *key)
{
	double value = 0;
	g_assert_true(ckpt_json_number(cJSON_GetObjectItemCaseSensitive(object, key), &value));
	return value;
}

void assert_message_has(const char *needle)
{
	if (!strstr(ckpt_error_last(), needle))
		g_error("message '%s' lacks '%s'", ckpt_error_last(), needle);
}
