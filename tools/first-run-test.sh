#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The first `make check` / `make check-debug` / `make demo` on a machine
# where none of the packages are installed yet, without installing any:
# run by .ci/run before `make check`, which runs where everything is in.
# Prints kselftest-style TAP; exits non-zero on a failure. Needs root (or
# unprivileged user namespaces) for unshare(1), and no network.
#
# Each goal runs on a copy of the tree (tracked and untracked files, no
# build/) in its own mount namespace, where tmpfs hides /lib/modules,
# /usr/src and /var/lib/dpkg: no kernel build tree, no linux-source, no
# package database. In the copy:
#
#  - tools/deps.sh is a stub that "installs" linux-headers-amd64: a package
#    database in which it depends on linux-headers-$FAKE, and a kernel
#    build tree /lib/modules/$FAKE/build whose Makefile only records that
#    it built M=... (FAKE is a release no machine runs, so falling back to
#    `uname -r` cannot pass by luck).
#  - tools/check.sh, tools/check-debug.sh and tools/demo.sh are stubs that
#    do the kernel-dependent part of the real scripts: record KVER/KDIR as
#    they got them (tools/vm-run boots ${KVER:-its own default}), then
#    `make all` (module, userspace, selftests), as check.sh and demo.sh
#    start with. The userspace and selftests are built for real, with no
#    linux-source: the kselftest harness must come from the tree.
#  - dpkg-query and `uname -r` are wrapped on PATH to record every call.
#
# A goal passes if `make GOAL` exits 0, nothing asked for the kernel
# release before deps ran, the stub got no KVER other than $FAKE, and the
# module was built in /lib/modules/$FAKE/build.
set -euo pipefail

FAKE=6.1.0-999-qnetfirstrun

usage() {
	cat <<EOF
Usage: tools/first-run-test.sh [--rev REV] [GOAL...]

Run \`make GOAL\` (default: check check-debug demo) as on a machine where
the packages are not installed yet, with tools/deps.sh and the goals'
scripts stubbed (see the comment at the top of this file).

  --rev REV   test the tree of git revision REV instead of the work tree
  -h, --help  this text
EOF
}

top=$(cd "$(dirname "$0")/.." && pwd)

# --- inside the namespace: one goal ----------------------------------------
# in_ns SCRATCH GOAL: the copy is at SCRATCH, the event log SCRATCH.log.
in_ns() {
	local scratch=$1 goal=$2 d
	for d in /lib/modules /usr/src /var/lib/dpkg; do
		mount -t tmpfs -o mode=0755 first-run "$d"
	done
	unset KVER KDIR MAKEFLAGS MAKELEVEL MFLAGS
	export PATH="$scratch.bin:$PATH" QNET_FIRST_RUN_LOG="$scratch.log"
	cd "$scratch"
	make "$goal"
}

# --- the stubs and wrappers -------------------------------------------------
write_stubs() {	# SCRATCH
	local scratch=$1 s
	mkdir -p "$scratch.bin"

	# shellcheck disable=SC2016
	printf '%s\n' '#!/bin/sh' \
		'echo "probe: dpkg-query $*" >>"$QNET_FIRST_RUN_LOG"' \
		'exec /usr/bin/dpkg-query "$@"' >"$scratch.bin/dpkg-query"
	# shellcheck disable=SC2016
	printf '%s\n' '#!/bin/sh' \
		'case " $* " in *" -r "*|*" -a "*|*" --kernel-release "*|*" --all "*)' \
		'	echo "probe: uname $*" >>"$QNET_FIRST_RUN_LOG" ;; esac' \
		'exec /bin/uname "$@"' >"$scratch.bin/uname"

	cat >"$scratch/tools/deps.sh" <<EOF
#!/bin/sh
# first-run-test stub: "install" linux-headers-amd64 -> $FAKE
set -e
echo "deps: installing" >>"\$QNET_FIRST_RUN_LOG"
mkdir -p /var/lib/dpkg/info /var/lib/dpkg/updates
touch /var/lib/dpkg/available
cat >/var/lib/dpkg/status <<'STATUS'
Package: linux-headers-amd64
Status: install ok installed
Priority: optional
Section: kernel
Maintainer: first-run-test
Architecture: amd64
Version: 6.1.999-1
Depends: linux-headers-$FAKE (= 6.1.999-1)
Description: first-run-test stand-in

STATUS
mkdir -p /lib/modules/$FAKE/build
printf 'modules:\n\t@echo "kbuild: built \$(M) in $FAKE" >>"\$\$QNET_FIRST_RUN_LOG"\n' \\
	>/lib/modules/$FAKE/build/Makefile
EOF

	for s in check check-debug demo; do
		# shellcheck disable=SC2016
		printf '%s\n' '#!/bin/sh' \
			'# first-run-test stub: the kernel-dependent part of the real script' \
			'echo "script: $0 KVER=${KVER-(unset)} KDIR=${KDIR-(unset)}" >>"$QNET_FIRST_RUN_LOG"' \
			'make -s all >"$QNET_FIRST_RUN_LOG.build" 2>&1 || {' \
			'	echo "script: make all failed" >>"$QNET_FIRST_RUN_LOG"' \
			'	cat "$QNET_FIRST_RUN_LOG.build"; exit 1; }' \
			>"$scratch/tools/$s.sh"
	done
	chmod +x "$scratch.bin"/* "$scratch"/tools/*.sh
}

if [ "${1:-}" = --in-ns ]; then
	in_ns "$2" "$3"
	exit
fi

rev=
goals=()
while [ $# -gt 0 ]; do
	case "$1" in
	--rev) rev=${2:?--rev needs a revision}; shift ;;
	-h|--help) usage; exit 0 ;;
	-*) usage >&2; exit 2 ;;
	*) goals+=("$1") ;;
	esac
	shift
done
[ ${#goals[@]} -gt 0 ] || goals=(check check-debug demo)

if [ "$(id -u)" = 0 ]; then unshare=(unshare -m); else unshare=(unshare -rm); fi
if ! "${unshare[@]}" true 2>/dev/null; then
	echo "first-run-test: '${unshare[*]}' does not work here" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One copy for all goals, so that only the first builds userspace (the
# stubs' `make all`); each goal starts with a fresh namespace and log.
scratch=$tmp/tree
mkdir "$scratch"
if [ -n "$rev" ]; then
	git -C "$top" archive "$rev" | tar -x -C "$scratch"
else
	git -C "$top" ls-files -z -c -o --exclude-standard |
		(cd "$top" && tar --null -T - --ignore-failed-read -cf - 2>/dev/null) |
		tar -x -C "$scratch"
fi
rm -rf "$scratch/build"
write_stubs "$scratch"

n=0
failed=0
for goal in "${goals[@]}"; do
	n=$((n + 1))
	log=$scratch.log
	: >"$log"
	rc=0
	"${unshare[@]}" "$top/tools/first-run-test.sh" --in-ns "$scratch" "$goal" \
		>"$tmp/out" 2>&1 || rc=$?
	why=()
	[ "$rc" = 0 ] || why+=("make $goal exited $rc")
	first=$(grep -m1 -E '^(deps|probe):' "$log" || true)
	case "$first" in
	deps:*) ;;
	"") why+=("deps never ran") ;;
	*) why+=("the kernel release was asked before deps ran ($first)") ;;
	esac
	grep -qE "^script: .* KVER=(\(unset\)|$FAKE) " "$log" ||
		why+=("the script got a stale KVER: $(grep -m1 '^script:' "$log" || echo none)")
	grep -qxF "kbuild: built $scratch in $FAKE" "$log" ||
		why+=("the module was not built against /lib/modules/$FAKE/build")
	if [ ${#why[@]} = 0 ]; then
		echo "ok $n first-run.make_$goal"
	else
		failed=1
		sed 's/^/# /' "$tmp/out" "$log"
		for w in "${why[@]}"; do echo "# $w"; done
		echo "not ok $n first-run.make_$goal"
	fi
done
echo "1..$n"
exit "$failed"
