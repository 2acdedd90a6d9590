#!/bin/bash
# Sources data/ckpt.bash-completion and checks what it offers: commands,
# each command's options (every option `ckpt CMD --help` lists, so that the
# two cannot drift apart), option values, and epochs on disk.
# Usage: test-bash-completion.sh COMPLETION-FILE CKPT-BINARY
set -u
completion=$1
ckpt=$2
# shellcheck source=/dev/null
source "$completion"
failed=0

# complete WORD... : runs _ckpt as bash would with the cursor after the last word.
complete_words()
{
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_ckpt ckpt "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
}

# expect "WANTED..." WORD... : every wanted word is among the completions.
expect()
{
	local wanted=$1
	shift
	complete_words "$@"
	local got=" ${COMPREPLY[*]} " w
	for w in $wanted; do
		if [[ $got != *" $w "* ]]; then
			echo "not ok: '$*' offers '${COMPREPLY[*]}', not '$w'"
			failed=1
			return
		fi
	done
	echo "ok: '$*' -> ${COMPREPLY[*]}"
}

# expect_none WORD... : nothing is offered.
expect_none()
{
	complete_words "$@"
	if ((${#COMPREPLY[@]})); then
		echo "not ok: '$*' offers '${COMPREPLY[*]}', expected nothing"
		failed=1
	fi
}

expect "clean" ckpt cl
expect "ui ls show history verify clean restart relink demo" ckpt ""
expect "--poll --readonly --chart" ckpt --
expect "braille block ascii" ckpt --chart ""
expect "--readonly --no-mouse" ckpt ui --
expect "--seed --runs --background" ckpt demo --
expect "--sort --live --problems" ckpt ls --
expect "metric" ckpt ls --sort me
expect "name metric updated size" ckpt ls --sort ""
expect "exponential" ckpt clean --mode ex
expect "linear exponential all" ckpt clean --keep 3 --mode ""
expect "all" ckpt clean --mode = a
expect "all" ckpt clean --mode=a
expect "--verify --dry-run --yes" ckpt clean --
expect "--changed --epoch" ckpt verify --
expect "verify" ckpt help ve
expect_none ckpt clean --keep ""

# Every option the program lists in a command's help is offered.
for cmd in ui ls show history verify clean restart relink demo; do
	# The options section: lines that start with "  --name".
	for opt in $("$ckpt" "$cmd" --help | sed -n 's/^  \(--[a-z][a-z-]*\).*/\1/p'); do
		complete_words ckpt "$cmd" --
		if [[ " ${COMPREPLY[*]} " != *" $opt "* ]]; then
			echo "not ok: ckpt $cmd --help lists $opt; the completion does not offer it"
			failed=1
		fi
	done
done

# Folders as paths; epochs of the run for show/restart RUN EPOCH.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/run/ckpts/epochs/007" "$tmp/run/ckpts/epochs/030"
cd "$tmp" || exit 1
expect "run" ckpt ls r
expect "./run" ckpt ./r
expect "run" ckpt --readonly r
expect "7 30" ckpt restart run ""
expect "30" ckpt show run 3

exit $failed
