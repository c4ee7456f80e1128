# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# bash completion for qotctl(1): commands, options, timeline names of the
# mount (--mount, else $QOT_ROOT, else /qot), files where files go.

_qotctl_timelines() {
	local mount=$1
	[ -r "$mount/.timelines" ] && cat "$mount/.timelines" 2>/dev/null
}

_qotctl() {
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi
	local commands="status show watch metrics record plot"
	local mount=${QOT_ROOT:-/qot} cmd="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-m | --mount) mount=${words[i + 1]} ;;
		--mount=*) mount=${words[i]#--mount=} ;;
		-*) ;;
		*)
			case ${words[i - 1]} in
			-m | --mount | -o | --output | --for | --every | --title | --format) ;;
			*) [ -z "$cmd" ] && cmd=${words[i]} ;;
			esac
			;;
		esac
	done
	case $prev in
	-m | --mount)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return
		;;
	-o | --output)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	--for | --every)
		mapfile -t COMPREPLY < <(compgen -W "100ms 500ms 1s 10s 60s 10m" -- "$cur")
		return
		;;
	--format)
		mapfile -t COMPREPLY < <(compgen -W "png svg" -- "$cur")
		return
		;;
	--title) return ;;
	esac
	local opts="--mount --json --help --version"
	case $cmd in
	status | show) opts="$opts --check" ;;
	watch) opts="$opts --for" ;;
	metrics) opts="--mount --output" ;;
	record) opts="--mount --output --for --every" ;;
	plot) opts="--output --title --format" ;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
		return
	fi
	case $cmd in
	"") mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur") ;;
	show | watch | record)
		mapfile -t COMPREPLY < <(compgen -W "$(_qotctl_timelines "$mount")" -- "$cur")
		;;
	plot) mapfile -t COMPREPLY < <(compgen -f -X '!*.csv' -- "$cur") ;;
	esac
}
complete -F _qotctl qotctl
