/* main.c: the `ckpt` program's entry point: the command table (name, function,
 * one-line help), `ckpt --help` / `ckpt help [CMD]` / `ckpt --version`, the
 * dashboard for `ckpt [PATH...]`, the terminal's character set, and the
 * check that everything printed reached stdout. */
#include "cli.h"
#include "dash.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct command {
	const char *name;
	cli_command_fn fn;
	const char *summary;
} command;

static const command commands[] = {
    {"ui", cmd_ui, "the dashboard (also plain 'ckpt [PATH...]' on a terminal)"},
    {"ls", cmd_ls, "list the checkpoint runs under folders"},
    {"show", cmd_show, "show a run's summary and epochs, or one epoch"},
    {"history", cmd_history, "print a run's metric history (table, CSV or JSON)"},
    {"verify", cmd_verify, "check the stored checksums of every epoch"},
    {"clean", cmd_clean, "delete old epochs by a retention rule"},
    {"restart", cmd_restart, "roll a run back so that its next restart loads an epoch"},
    {"relink", cmd_relink, "rewrite moved or absolute best/last links as relative ones"},
    {"demo", cmd_demo, "run a simulated trainer that writes real checkpoints"},
};

static const command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_help(FILE *out)
{
	fprintf(out,
		"Usage: ckpt COMMAND [OPTIONS] [ARGS]\n"
		"       ckpt [DASHBOARD-OPTIONS] [PATH...]\n"
		"\n"
		"Inspect and manage checkpoint runs written by CANDLE's CandleCkpt or libckpt.\n"
		"Without a command, ckpt opens the dashboard on the runs under each PATH\n"
		"(default: the current folder; 'ckpt ui --help' lists its options), or prints\n"
		"what 'ckpt ls' prints when stdout is not a terminal.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"Options:\n"
		"  -h, --help     show this help ('ckpt COMMAND --help' for a command's)\n"
		"  --version      show the program and library versions\n"
		"\n"
		"Exit status: 0 fine, 1 problems found or operation refused, 2 usage error or\n"
		"unreadable input, 130 interrupted.\n");
}

/* `ckpt help CMD` is `ckpt CMD --help`. */
static int run_help(int argc, char **argv)
{
	if (argc < 3) {
		print_help(stdout);
		return CLI_OK;
	}
	const command *cmd = find_command(argv[2]);
	if (!cmd) {
		fprintf(stderr, "ckpt: unknown command '%s'\nTry 'ckpt --help'.\n",
			cli_text(argv[2]));
		return CLI_USAGE;
	}
	char *help_argv[] = {(char *)cmd->name, "--help", NULL};
	return cmd->fn(2, help_argv);
}

/* `ckpt --poll 2 runs/`, `ckpt runs/`: the dashboard's options and folders. */
static bool is_dashboard_word(const char *word)
{
	static const char *const options[] = {"--poll",     "--readonly", "--depth", "--chart",
					      "--no-color", "--no-mouse", "--"};
	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
		size_t n = strlen(options[i]);
		if (strncmp(word, options[i], n) == 0 && (word[n] == '\0' || word[n] == '='))
			return true;
	}
	struct stat st;
	return word[0] != '-' && stat(word, &st) == 0 && S_ISDIR(st.st_mode);
}

static int dispatch(int argc, char **argv)
{
	if (argc < 2 || (!find_command(argv[1]) && is_dashboard_word(argv[1])))
		return cmd_ui(argc, argv);
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0)
		return run_help(argc, argv);
	if (strcmp(name, "--version") == 0) {
		printf("ckpt %s (libckpt %s, CRC-32 by %s)\n", CKPT_VERSION_STRING, ckpt_version(),
		       ckpt_crc32_implementation());
		return CLI_OK;
	}
	const command *cmd = find_command(name);
	if (!cmd) {
		fprintf(stderr,
			"ckpt: unknown command '%s' (and no folder of that name)\n"
			"Try 'ckpt --help'.\n",
			cli_text(name));
		return CLI_USAGE;
	}
	return cmd->fn(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	cli_term_init();
	int status = dispatch(argc, argv);
	cli_text_release();
	/* A full disk or closed pipe must not look like success. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "ckpt: cannot write the output: %s\n", strerror(errno));
		return status ? status : CLI_USAGE;
	}
	return status;
}
