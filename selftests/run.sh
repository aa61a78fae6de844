#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the qnet selftests. Meant to run as root inside the test VM
# (tools/vm-run -- selftests/run.sh); the programs load and unload the
# module themselves from $QNET_KO.
#
# Each program's kselftest-harness TAP is printed as is. A program that
# fails without saying so (crash, timeout, non-zero exit with no "not ok"
# line, no result at all) gets a synthesized "not ok" line, so that
# counting "ok"/"not ok" lines over the output counts every failure.
set -euo pipefail

usage() {
	cat <<EOF
Usage: selftests/run.sh [--timeout SECS] [--kmemleak] [PROG...]

Run every selftest program (\`make -s -C selftests print-progs\`, else every
executable selftests/*_test and selftests/test_*), or just PROG..., each
under a timeout, printing their TAP output.

  --timeout SECS  per-program timeout (default: \$QNET_TEST_TIMEOUT or 300)
  --kmemleak      clear kmemleak suspects first; at the end scan twice and
                  fail ("not ok ... kmemleak") on any reported leak
  -h, --help      this text

Environment: QNET_KO (module under test; default kernel/qnet.ko in the
work tree), QNET_TEST_TIMEOUT. Exit status 1 if anything failed.
EOF
}

dir=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$dir/.." && pwd)
timeout=${QNET_TEST_TIMEOUT:-300}
kmemleak=0
progs=()

while [ $# -gt 0 ]; do
	case "$1" in
	--timeout) timeout=${2:?--timeout needs seconds}; shift ;;
	--kmemleak) kmemleak=1 ;;
	-h|--help) usage; exit 0 ;;
	-*) usage >&2; exit 2 ;;
	*) progs+=("$1") ;;
	esac
	shift
done

export QNET_KO=${QNET_KO:-$top/kernel/qnet.ko}
kml=/sys/kernel/debug/kmemleak
failed=0
nsynth=0	# numbers our own result lines

# A result line of our own, in the harness's format.
result() {	# ok|not ok, name, [directive]
	nsynth=$((nsynth + 1))
	echo "$1 $nsynth $2${3:+ # $3}"
	[ "$1" = ok ] || failed=1
}

list_progs() {
	local out
	if out=$(make -s --no-print-directory -C "$dir" print-progs 2>/dev/null) && [ -n "$out" ]; then
		echo "$out"
		return
	fi
	# Fallback before the Makefile could list them.
	find "$dir" -maxdepth 1 -type f -perm -u+x \( -name '*_test' -o -name 'test_*' \) \
		-printf '%f\n' | sort
}

if [ ${#progs[@]} -eq 0 ]; then
	mapfile -t progs < <(list_progs)
fi

echo "# qnet selftests: ${#progs[@]} programs, kernel $(uname -r), QNET_KO=$QNET_KO"
[ -f "$QNET_KO" ] || echo "# warning: $QNET_KO does not exist"

if [ "$kmemleak" = 1 ]; then
	if [ -w "$kml" ]; then
		# Forget what was unreferenced before the tests (boot-time
		# false positives): scan, then mark those reports as seen.
		echo scan >"$kml"
		echo clear >"$kml"
	else
		echo "# kmemleak: $kml missing (kernel without DEBUG_KMEMLEAK, or no debugfs)"
	fi
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT

for p in "${progs[@]}"; do
	name=${p%/}
	path=$dir/$name
	echo "# selftest: $name"
	if [ ! -x "$path" ]; then
		result "not ok" "selftests.$name" "not built (make selftests)"
		continue
	fi
	start=$(date +%s.%N)
	rc=0
	# stderr too: the harness logs assertion details there.
	(cd "$(dirname "$path")" && exec timeout -k 10 "$timeout" "$path") 2>&1 | tee "$out" ||
		rc=${PIPESTATUS[0]}
	secs=$(echo "$(date +%s.%N) - $start" | bc | xargs printf '%.1f')
	echo "# selftest: $name: exit $rc, $secs s"
	grep -q '^not ok ' "$out" && failed=1
	case "$rc" in
	0|4)	# success; 4 is KSFT_SKIP (everything skipped)
		grep -qE '^(not )?ok ' "$out" ||
			result "not ok" "selftests.$name" "no TAP result lines"
		;;
	124|137)
		result "not ok" "selftests.$name" "timed out after $timeout s"
		;;
	*)
		if ! grep -q '^not ok ' "$out"; then
			if [ "$rc" -gt 128 ]; then
				result "not ok" "selftests.$name" "killed by signal $((rc - 128))"
			else
				result "not ok" "selftests.$name" "exit status $rc without a failed test"
			fi
		fi
		;;
	esac
	# Start the next program from a clean slate.
	if [ -d /sys/module/qnet ]; then
		echo "# warning: $name left the qnet module loaded; unloading it"
		rmmod qnet 2>&1 | sed 's/^/# /' || true
	fi
done

if [ "$kmemleak" = 1 ]; then
	if [ -w "$kml" ]; then
		# Freshly freed objects can look unreferenced for one scan:
		# kmemleak wants a second scan some seconds later.
		echo scan >"$kml"
		sleep 5
		echo scan >"$kml"
		cat "$kml" >"$out"
		if [ -s "$out" ]; then
			sed 's/^/# /' "$out"
			result "not ok" "kmemleak" \
				"$(grep -c 'unreferenced object' "$out") suspected leaks"
		else
			result ok "kmemleak"
		fi
	else
		result "not ok" "kmemleak" "$kml not available"
	fi
fi

exit "$failed"
