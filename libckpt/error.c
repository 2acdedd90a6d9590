/* error.c: the per-thread error message and the names of error codes.
 * Every failing call in libckpt goes through ckpt_fail(). */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
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
	default: return "unknown";
	}
}

const char *ckpt_version(void)
{
	return CKPT_VERSION_STRING;
}
