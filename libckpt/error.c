/* error.c: the per-thread error message, the names of error codes, and the
 * small calls a binding needs about the library itself (its version, the
 * sizes of its public structs, freeing what it returned). Every failing call
 * in libckpt goes through ckpt_fail(). */
#include "internal.h"
#include "checksum-private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char error_message[1024];

int ckpt_fail(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(error_message, sizeof error_message, fmt, ap);
	va_end(ap);
	return code;
}

int ckpt_fail_prefix(int code, const char *prefix)
{
	char old[sizeof error_message];
	memcpy(old, error_message, sizeof old);
	size_t used = (size_t)snprintf(error_message, sizeof error_message, "%s: ", prefix);
	if (used < sizeof error_message)
		memcpy(error_message + used, old, sizeof error_message - used - 1);
	error_message[sizeof error_message - 1] = '\0';
	return code;
}

int ckpt_code_from_errno(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR: return CKPT_ENOENT;
	case ENOMEM: return CKPT_ENOMEM;
	default: return CKPT_EIO;
	}
}

const char *ckpt_error_last(void)
{
	return error_message;
}

void ckpt_error_set(const char *message)
{
	snprintf(error_message, sizeof error_message, "%s", message ? message : "");
}

void ckpt_error_clear(void)
{
	error_message[0] = '\0';
}

const char *ckpt_error_name(int code)
{
	switch (code) {
	case CKPT_OK: return "ok";
	case CKPT_EINVAL: return "invalid";
	case CKPT_EIO: return "io";
	case CKPT_ENOENT: return "not-found";
	case CKPT_EFORMAT: return "format";
	case CKPT_ELOCKED: return "locked";
	case CKPT_ECHECKSUM: return "checksum";
	case CKPT_ECANCELLED: return "cancelled";
	case CKPT_EUNSAFE: return "unsafe";
	case CKPT_ENOMEM: return "no-memory";
	case CKPT_ECALLBACK: return "callback";
	case CKPT_EREFUSED: return "refused";
	case CKPT_EAMBIGUOUS: return "ambiguous";
	default: return "unknown";
	}
}

const char *ckpt_version(void)
{
	return CKPT_VERSION_STRING;
}

const char *ckpt_crc32_implementation(void)
{
	return ckpt_crc32_impl();
}

void ckpt_free(void *pointer)
{
	free(pointer);
}

size_t ckpt_struct_size(const char *name)
{
	static const struct {
		const char *name;
		size_t size;
	} sizes[] = {
	    {"ckpt_epoch_result", sizeof(ckpt_epoch_result)},
	    {"ckpt_progress_event", sizeof(ckpt_progress_event)},
	    {"ckpt_verify_item", sizeof(ckpt_verify_item)},
	    {"ckpt_progress", sizeof(ckpt_progress)},
	    {"ckpt_metric", sizeof(ckpt_metric)},
	};
	for (size_t i = 0; name && i < sizeof sizes / sizeof sizes[0]; i++)
		if (strcmp(sizes[i].name, name) == 0)
			return sizes[i].size;
	return 0;
}
