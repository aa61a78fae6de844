#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: build everything, run the host unit tests, boot the test VM
# once for the whole selftest suite, then prove that the VM runner catches
# a kernel WARNING. Prints all TAP output and ends with the single line
# "N passed, N failed"; exits non-zero on any failure.
set -euo pipefail

usage() {
	cat <<EOF
Usage: tools/check.sh [--vm-timeout SECS]

Stages: build (make all), unit (make -C userspace check, on the host),
VM suite (tools/vm-run -- selftests/run.sh), engine with one vCPU, Debian
packages (tools/deb-test.sh), VM runner self-test.
The last line of output is "N passed, N failed" (kselftest-harness result
lines; see Documentation/testing.rst); a build failure, a VM timeout,
panic or kernel splat count as one failure each.

  --vm-timeout SECS  timeout of the VM suite boot (default: 1800)
  --no-build         skip the build stage (test what is already built)
  -h, --help         this text

Environment: KVER/KDIR (default: tools/kver, as in the Makefile),
QNET_VM_KVM=1 to use KVM,
QNET_TEST_TIMEOUT (per test program, inside the VM).
EOF
}

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/check-common.sh
. "$top/tools/check-common.sh"

vm_timeout=1800
build=1
while [ $# -gt 0 ]; do
	case "$1" in
	--vm-timeout) vm_timeout=${2:?--vm-timeout needs seconds}; shift ;;
	--no-build) build=0 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

cd "$top"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- build: nothing else is worth running if it fails ---
if [ "$build" = 1 ]; then
	stage_begin build
	rc=0
	make all >"$tmp/build.log" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		cat "$tmp/build.log"
		echo "# BUILD FAILED: 'make all' exited $rc (output above)"
		tap_fail build "make all exited $rc"
		stage_end
		summary || exit 1
	fi
	# Quiet unless it warns: show warnings, they matter (W=1).
	grep -E 'warning:|error:' "$tmp/build.log" | sed 's/^/# /' || true
	stage_end
fi

# --- host unit tests ---
stage_begin unit
rc=0
make -s -C userspace check 2>&1 | tee "$tmp/unit.tap" || rc=${PIPESTATUS[0]}
tap_count "$tmp/unit.tap"
if [ "$rc" != 0 ] && ! tap_has_failure "$tmp/unit.tap"; then
	tap_fail unit "make -C userspace check exited $rc without a failed test"
fi
stage_end

# --- the selftest suite in one VM boot ---
stage_begin "vm suite"
rc=0
# engine_test writes its records' digests for the one-vCPU run below
digests=$top/build/engine-digests
mkdir -p "$top/build"
rm -f "$digests".smp2 "$digests".smp1
tools/vm-run --timeout "$vm_timeout" -- \
	env QNET_ENGINE_DIGESTS="$digests.smp2" selftests/run.sh 2>&1 |
	tee "$tmp/vm.tap" || rc=${PIPESTATUS[0]}
tap_count "$tmp/vm.tap"
reason=$(vm_run_reason "$rc")
if [ -n "$reason" ]; then
	tap_fail vm-suite "$reason (vm-run exit $rc)"
elif [ "$rc" != 0 ] && ! tap_has_failure "$tmp/vm.tap"; then
	tap_fail vm-suite "selftests/run.sh exited $rc without a failed test"
fi
stage_end

# --- determinism across CPUs: the same records with one vCPU ---
# (Documentation/engine.rst: the digests of engine_test's fixed-seed run
# must not depend on the CPUs the guest has.)
stage_begin "engine, one vCPU"
rc=0
tools/vm-run --smp 1 --timeout 600 -- \
	env QNET_ENGINE_DIGESTS="$digests.smp1" selftests/run.sh engine_test \
	>"$tmp/smp1.tap" 2>&1 || rc=$?
sed 's/^/# smp1: /' "$tmp/smp1.tap" | grep -E 'ok|run [0-9]|FAIL|Expected'
if [ "$rc" != 0 ]; then
	tap_fail "engine_test, one vCPU" "exit $rc (output above)"
elif [ ! -s "$digests.smp1" ] || [ ! -s "$digests.smp2" ]; then
	tap_fail "engine digests, one vCPU vs two" "a run wrote no digest"
elif cmp -s "$digests.smp1" "$digests.smp2"; then
	tap_pass "engine digests, one vCPU vs two: $(cat "$digests.smp1")"
else
	tap_fail "engine digests, one vCPU vs two" \
		"$(tr '\n' ' ' <"$digests.smp1")!= $(tr '\n' ' ' <"$digests.smp2")"
fi
stage_end

# --- the Debian packages: built and linted on the host ---
stage_begin "debian packages"
rc=0
# built and linted here; installing them in the VM (DKMS compiles the
# module in the guest, about 12 minutes under TCG) is `make check-deb`
tools/deb-test.sh --host-only 2>&1 | tee "$tmp/deb.tap" || rc=${PIPESTATUS[0]}
tap_count "$tmp/deb.tap"
if [ "$rc" != 0 ] && ! tap_has_failure "$tmp/deb.tap"; then
	tap_fail debian-packages "tools/deb-test.sh exited $rc without a failed test"
fi
stage_end

# --- the runner itself: a WARNING in the guest must fail a run ---
stage_begin "vm self-test"
vm_splat_selftest
stage_end

summary
