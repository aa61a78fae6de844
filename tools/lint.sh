#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make lint`: checkpatch.pl (from linux-source, extracted by tools/deps.sh)
# over the module's sources and uapi header, then sparse over the module
# (make C=2). Any checkpatch finding, or any sparse/compiler warning in our
# own files, fails.
set -euo pipefail

usage() {
	cat <<EOF
Usage: tools/lint.sh [--checkpatch-only | --sparse-only]

  checkpatch.pl --strict --no-tree -f --terse --show-types over kernel/*.[ch]
  and include/uapi/linux/*.h; sparse via make -C \$KDIR M=\$TOP C=2 modules.
Exit status: 0 clean, 1 findings, 2 a tool is missing.

  --checkpatch-only  skip sparse
  --sparse-only      skip checkpatch
  -h, --help         this text

Environment: KDIR (kernel build tree; default /lib/modules/\$KVER/build).
EOF
}

top=$(cd "$(dirname "$0")/.." && pwd)
checkpatch="$top/build/linux-extract/scripts/checkpatch.pl"
do_checkpatch=1
do_sparse=1

while [ $# -gt 0 ]; do
	case "$1" in
	--checkpatch-only) do_sparse=0 ;;
	--sparse-only) do_checkpatch=0 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

kver=${KVER:-$("$top/tools/kver")}
kdir=${KDIR:-/lib/modules/$kver/build}

# checkpatch types we ignore, and why. Everything else is a finding.
ignores=(
	# Only meaningful for patches against the kernel tree (MAINTAINERS
	# updates for new files); we check files, out of tree.
	FILE_PATH_CHANGES
	# checkpatch wants a git tree to look commits up; --no-tree.
	GIT_COMMIT_ID
	# AF_QNET's number is a module parameter, so its proto_ops gets its
	# .family at init and is __ro_after_init rather than const (sock.c).
	CONST_STRUCT
)

cd "$top"
failed=0

if [ "$do_checkpatch" = 1 ]; then
	[ -f "$checkpatch" ] || { echo "lint: $checkpatch missing: run tools/deps.sh (make deps)" >&2; exit 2; }
	# Not the generated kernel/*.mod.c.
	mapfile -t files < <(ls kernel/*.c kernel/*.h include/uapi/linux/*.h 2>/dev/null |
		grep -v '\.mod\.c$' || true)
	echo "lint: checkpatch.pl over ${#files[@]} files"
	if [ ${#files[@]} -gt 0 ]; then
		ign=$(IFS=,; echo "${ignores[*]}")
		rc=0
		perl "$checkpatch" --no-tree -f --terse --strict --show-types \
			--ignore "$ign" $(printf '%s\n' "${files[@]}" |
				grep -vx -e kernel/qtypes.h -e kernel/qnet_trace.h \
					-e kernel/qlink_params.h -e kernel/qlink.h \
					-e kernel/link.c -e kernel/sysfs.c) ||
			rc=$?
		# The X-macro idiom (kernel/qlink_params.h: every link
		# parameter defined once, expanded into struct members,
		# range objects, sysfs attributes and table rows, as
		# i915_params.h does): a table macro taking a macro,
		# expansions that are declarations (a trailing ';') or
		# designated-initializer rows. checkpatch reads each as a
		# complex or multi-statement macro; these files get every
		# other check.
		perl "$checkpatch" --no-tree -f --terse --strict --show-types \
			--ignore "$ign,COMPLEX_MACRO,MACRO_ARG_REUSE,TRAILING_SEMICOLON,MULTISTATEMENT_MACRO_USE_DO_WHILE,SPACING" \
			kernel/qlink_params.h kernel/qlink.h kernel/link.c \
			kernel/sysfs.c || rc=$?
		# qtypes.h maps the physics core's types onto <stdint.h> when
		# it is built in userspace: uint8_t and friends are its point.
		perl "$checkpatch" --no-tree -f --terse --strict --show-types \
			--ignore "$ign,PREFER_KERNEL_TYPES" kernel/qtypes.h || rc=$?
		# The TRACE_EVENT() idiom (include/trace/events/*.h) opens
		# TP_STRUCT__entry( and friends at the end of a line and
		# indents their arguments by one tab, not to the parenthesis.
		perl "$checkpatch" --no-tree -f --terse --strict --show-types \
			--ignore "$ign,OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT" \
			kernel/qnet_trace.h || rc=$?
		[ "$rc" = 0 ] || { echo "lint: checkpatch found problems"; failed=1; }
	fi
fi

if [ "$do_sparse" = 1 ]; then
	command -v sparse >/dev/null || { echo "lint: sparse missing: apt-get install sparse" >&2; exit 2; }
	[ -d "$kdir" ] || { echo "lint: no kernel build tree at $kdir: apt-get install linux-headers-$kver" >&2; exit 2; }
	echo "lint: sparse (make C=2) against $kdir"
	out=$(mktemp)
	trap 'rm -f "$out"' EXIT
	rc=0
	make -C "$kdir" M="$top" C=2 W=1 modules >"$out" 2>&1 || rc=$?
	# Sparse and gcc name our files by absolute or M-relative path;
	# warnings from the kernel's own headers are not ours to fix.
	ours=$(grep -E "^($top/)?(kernel|include)/[^:]*:[0-9]+:([0-9]+:)? (warning|error):" "$out" || true)
	if [ "$rc" != 0 ]; then
		cat "$out"
		echo "lint: the sparse build failed (exit $rc)"
		failed=1
	elif [ -n "$ours" ]; then
		# Everything but the build chatter, for sparse's detail lines.
		grep -vE '^(make(\[[0-9]+\])?: |  [A-Z]+ |Skipping BTF)' "$out" || true
		echo "lint: sparse/compiler reported $(echo "$ours" | wc -l) problems in our files"
		failed=1
	fi
	checked=$(grep -cE '^ +CHECK ' "$out" || true)
	others=$(grep -cE ': (warning|error):' "$out" || true)
	ours_n=$(if [ -n "$ours" ]; then echo "$ours" | wc -l; else echo 0; fi)
	echo "lint: sparse checked $checked files: $ours_n problems in ours," \
		"$((others - ours_n)) in kernel headers (ignored)"
fi

if [ "$failed" = 0 ]; then
	echo "lint: clean"
fi
exit "$failed"
