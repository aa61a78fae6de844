# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared by tools/check.sh and tools/check-debug.sh (sourced, not run):
# stage timing and the counting of kselftest-harness TAP result lines.
#
# Counting rule: a line "ok N name" is a pass ("ok N name # SKIP ..." a
# skipped pass), a line "not ok N name" a failure. Stages whose failure
# would not show as a "not ok" line (build, a crashed VM, a splat) add one
# with tap_fail.

n_pass=0
n_fail=0
n_skip=0
n_own=0		# numbers the result lines the check scripts print
stage_times=()

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc | xargs printf '%.1f'; }

# stage_begin NAME / stage_end: time a stage, print and remember it.
stage_begin() {
	stage_name=$1
	stage_t0=$(now)
	echo "# ===== $stage_name ====="
}
stage_end() {
	local t
	t=$(elapsed "$stage_t0")
	stage_times+=("$stage_name $t s")
	echo "# ===== $stage_name: $t s ====="
}

# Why things failed, kept for the summary: CI logs are often read only
# at their tail, far from the failing test's own output.
failures=()

# tap_count FILE: add FILE's result lines to the totals and remember the
# failures with the assertion or check that failed them.
tap_count() {
	local p f s line
	p=$(grep -cE '^ok( |$)' "$1" || true)
	s=$(grep -cE '^ok( |$).*# *SKIP' "$1" || true)
	f=$(grep -cE '^not ok( |$)' "$1" || true)
	n_pass=$((n_pass + p))
	n_skip=$((n_skip + s))
	n_fail=$((n_fail + f))
	while IFS= read -r line; do
		failures+=("$line")
	done < <(grep -E '^not ok( |$)|^# [^ ]+\.c:[0-9]+:[^ ]+:(Expected|.*Test terminated)|^# FAIL' "$1" |
		 head -n 60 || true)
}

# tap_has_failure FILE: did FILE report a failure itself?
tap_has_failure() { grep -qE '^not ok( |$)' "$1"; }

tap_pass() {	# name [directive]
	n_own=$((n_own + 1))
	n_pass=$((n_pass + 1))
	echo "ok $n_own $1${2:+ # $2}"
}
tap_fail() {	# name reason
	n_own=$((n_own + 1))
	n_fail=$((n_fail + 1))
	failures+=("not ok $n_own $1${2:+ # $2}")
	echo "not ok $n_own $1${2:+ # $2}"
}

# Meaning of a tools/vm-run exit status that is its own, or "".
vm_run_reason() {
	case "$1" in
	2) echo "vm-run could not start (usage or missing package)" ;;
	123) echo "VM failure: no status from the guest" ;;
	124) echo "VM timed out" ;;
	125) echo "kernel splat in the guest log" ;;
	126) echo "guest kernel panic" ;;
	*) echo "" ;;
	esac
}

# vm_splat_selftest VM-RUN-ARGS...: boot once more and write a WARNING
# line to /dev/kmsg; vm-run must fail with its splat status (125).
vm_splat_selftest() {
	local rc=0 log
	log=$(mktemp)
	"$top/tools/vm-run" --timeout 300 "$@" -- \
		sh -c 'echo "WARNING: qnet vm-run self-test: deliberate splat" >/dev/kmsg' \
		>"$log" 2>&1 || rc=$?
	if [ "$rc" = 125 ]; then
		tap_pass "vm-run.detects_kernel_warning"
	else
		sed 's/^/# /' "$log"
		tap_fail "vm-run.detects_kernel_warning" "vm-run exited $rc, expected 125"
	fi
	rm -f "$log"
}

# summary: stage times, skips, and the final "N passed, N failed" line.
# Returns non-zero if anything failed.
summary() {
	local s
	if [ ${#failures[@]} -gt 0 ]; then
		echo "# ===== what failed ====="
		for s in "${failures[@]}"; do echo "#   $s"; done
	fi
	for s in "${stage_times[@]}"; do echo "# time: $s"; done
	echo "$n_skip skipped"
	echo "$n_pass passed, $n_fail failed"
	[ "$n_fail" = 0 ]
}
