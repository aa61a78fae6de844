#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of qnet's man pages (`make -C userspace check`): each page
# renders with `man --warnings -l` and no groff warning (every warning
# category, -ww), and has the sections an iproute2-style page has. TAP.
set -u

dir=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$dir/../.." && pwd)
pages=("$dir"/*.[0-9] "$top/userspace/qnetctl/qnetctl.8")
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "TAP version 13"
if ! command -v man >/dev/null || ! command -v groff >/dev/null; then
	echo "1..0 # SKIP man or groff missing (tools/deps.sh installs man-db, groff-base)"
	exit 0
fi
echo "1..${#pages[@]}"
n=0
failed=0
for p in "${pages[@]}"; do
	n=$((n + 1))
	name=${p##*/}
	# groff writes its warnings to stderr; the page to stdout
	err=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings=w -l "$p" 2>&1 >"$out")
	bad=()
	[ -z "$err" ] || bad+=("groff: $err")
	for s in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
		grep -q "^$s" "$out" || bad+=("no $s section")
	done
	case $name in
	qnetctl.8) ;;
	*) grep -q "^EXAMPLES" "$out" || bad+=("no EXAMPLES section") ;;
	esac
	if [ ${#bad[@]} = 0 ]; then
		echo "ok $n man: $name"
	else
		echo "not ok $n man: $name"
		printf '# %s\n' "${bad[@]}"
		failed=$((failed + 1))
	fi
done
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
