/* cli-term.c: what the program knows about its terminal: whether it is
 * UTF-8 (and so how names from a tree are escaped for it), its width, its
 * stdin for questions, Ctrl-C, and the progress line drawn on stderr. */
#include "cli.h"
#include "format.h"

#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* ---- text from a tree ---------------------------------------------------- */

static unsigned escape_flags = CKPT_ESCAPE_ASCII;

void cli_term_init(void)
{
	/* LC_CTYPE only: LC_NUMERIC stays "C", so numbers always print with '.'. */
	setlocale(LC_CTYPE, "");
	const char *codeset = nl_langinfo(CODESET);
	bool utf8 =
	    codeset && (strcasecmp(codeset, "UTF-8") == 0 || strcasecmp(codeset, "utf8") == 0);
	escape_flags = utf8 ? 0 : CKPT_ESCAPE_ASCII;
}

bool cli_ascii(void)
{
	return (escape_flags & CKPT_ESCAPE_ASCII) != 0;
}

/* Every escaped copy, freed at exit: the program is short-lived and prints
 * each name a few times, so an arena is simpler than freeing at each use. */
typedef struct text_block {
	struct text_block *next;
	char text[];
} text_block;

static text_block *texts;

const char *cli_text(const char *text)
{
	size_t n = ckpt_escape(NULL, 0, text, escape_flags);
	text_block *block = malloc(sizeof *block + n + 1);
	if (!block)
		return "?";
	ckpt_escape(block->text, n + 1, text, escape_flags);
	block->next = texts;
	texts = block;
	return block->text;
}

void cli_text_release(void)
{
	while (texts) {
		text_block *next = texts->next;
		free(texts);
		texts = next;
	}
}

/* ---- the terminal --------------------------------------------------------- */

bool cli_stdin_is_tty(void)
{
	return isatty(STDIN_FILENO) == 1;
}

bool cli_stdout_is_tty(void)
{
	return isatty(STDOUT_FILENO) == 1;
}

size_t cli_terminal_width(void)
{
	/* Tests (and users who pipe into a pager) can ask for a width. */
	const char *forced = getenv("CKPT_FORCE_WIDTH");
	if (forced && *forced) {
		long width = strtol(forced, NULL, 10);
		return width > 0 ? (size_t)width : 0;
	}
	struct winsize ws;
	if (isatty(STDOUT_FILENO) != 1 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0)
		return 0;
	return ws.ws_col;
}

bool cli_confirm(const char *question)
{
	fflush(stdout);
	fputs(question, stderr);
	fflush(stderr);
	char line[64];
	if (!fgets(line, sizeof line, stdin))
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

/* ---- Ctrl-C --------------------------------------------------------------- */

/* int, not sig_atomic_t by name, because ckpt_progress wants an int; glibc's
 * sig_atomic_t is int. */
static volatile int cancel_flag;
static bool cancel_installed;

static void on_sigint(int sig)
{
	(void)sig;
	cancel_flag = 1;
}

const volatile int *cli_cancel_flag(void)
{
	if (!cancel_installed) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_sigint;
		/* Only the first Ctrl-C is caught: a stuck call can still be killed. */
		sa.sa_flags = SA_RESETHAND;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		cancel_installed = true;
	}
	return &cancel_flag;
}

bool cli_cancelled(void)
{
	return cancel_flag != 0;
}

/* ---- the progress line ---------------------------------------------------- */

static double monotonic_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int stderr_columns(void)
{
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* "nt3: verify epoch 28 (3/5)", "scan: 12 runs, 340 folders". */
static void stage_text(char *out, size_t size, const ckpt_progress_event *ev, const char *label)
{
	char who[256];
	/* Escaped into a buffer of its own: drawn often, so not cli_text. */
	ckpt_escape(who, sizeof who, ev->run ? ev->run : label ? label : "", escape_flags);
	const char *sep = who[0] ? ": " : "";
	switch (ev->stage) {
	case CKPT_STAGE_SCAN:
		snprintf(out, size, "%s%sscan: %llu runs, %llu folders", who, sep,
			 (unsigned long long)ev->done, (unsigned long long)ev->items_done);
		break;
	case CKPT_STAGE_VERIFY:
		if (ev->epoch)
			snprintf(out, size, "%s%sverify epoch %lld (%llu/%llu)", who, sep,
				 (long long)ev->epoch, (unsigned long long)ev->items_done + 1,
				 (unsigned long long)ev->items_total);
		else
			snprintf(out, size, "%s%sverify", who, sep);
		break;
	case CKPT_STAGE_CLEAN: snprintf(out, size, "%s%sclean", who, sep); break;
	case CKPT_STAGE_CHECKSUM: snprintf(out, size, "%s%schecksum", who, sep); break;
	}
}

static int progress_draw(const ckpt_progress_event *ev, void *payload)
{
	cli_progress *p = payload;
	bool bytes = ev->stage == CKPT_STAGE_VERIFY || ev->stage == CKPT_STAGE_CHECKSUM;
	/* A count that goes down started over (a new call): the rate covers
	 * everything counted so far. */
	if (bytes && ev->done < p->last_done)
		p->carried += p->last_done;
	if (bytes)
		p->last_done = ev->done;
	double now = monotonic_seconds();
	if (now - p->last_draw < 0.1 && (ev->total == 0 || ev->done < ev->total))
		return 0;
	p->last_draw = now;
	double elapsed = now - p->start;
	double rate = bytes && elapsed > 0.2 ? (double)(p->carried + ev->done) / elapsed : -1.0;
	char stage[512], line[640];
	stage_text(stage, sizeof stage, ev, p->label);
	uint64_t total = ev->stage == CKPT_STAGE_SCAN ? 0 : ev->total;
	fmt_progress(line, sizeof line, stage, ev->done, total, rate, stderr_columns() - 1);
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	p->shown = true;
	return 0;
}

void cli_progress_init(cli_progress *p, const char *label)
{
	memset(p, 0, sizeof *p);
	p->enabled = isatty(STDERR_FILENO) == 1;
	p->start = monotonic_seconds();
	p->label = label;
	p->base.fn = p->enabled ? progress_draw : NULL;
	p->base.payload = p;
	p->base.cancel = cli_cancel_flag();
}

void cli_progress_clear(cli_progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->shown = false;
	}
}
