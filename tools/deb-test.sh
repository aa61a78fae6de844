#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317  # the test functions run through check()
#
# Test of the Debian packages (debian/), run by `make check` as its own
# stage. Prints kselftest-style TAP.
#
# On the host:
#  - build: a copy of the tree's source files (tracked and new, not
#    ignored) in build/deb/src/qnet-VERSION, `dpkg-buildpackage -us -uc
#    -b` there: the .debs land in build/deb/src/, the work tree is left
#    as it was
#  - lintian on the .changes: no errors (every tag it prints is shown)
# Then in the test VM (tools/vm-run -- tools/deb-test.sh --guest), whose /
# is the host's, read-only:
#  - writable system: overlays (upper on the guest's tmpfs /run) over
#    /usr (with merged /usr: /lib/modules, /usr/src), /etc, /var/lib
#    (dpkg's database, /var/lib/dkms) and /var/cache; the host is never
#    written to. An empty tmpfs hides the kernel's own modules
#    (/lib/modules/KVER/kernel) from the depmod dkms runs: 85-90 s a run
#    over them under TCG
#  - dpkg -i the four packages; qnet-dkms's postinst has DKMS build and
#    install the module for the guest's kernel (headers from the host)
#  - modprobe qnet loads DKMS's module
#  - libqnet-dev: a program built with `pkg-config --cflags --libs
#    libqnet` against the installed header, linked to libqnet2, runs; ip
#    finds the installed qlink plugin by itself
#  - two nodes made by the installed qnet-topo (and qnetctl), qping -c 5
#    from one to the other: 5 pairs delivered at both ends
#  - dpkg --purge all four: DKMS forgot the module, no qnet.ko, no
#    /usr/src/qnet-*, and the overlays' upper layers hold no file but
#    dpkg's and the system's own bookkeeping (depmod's and ldconfig's
#    indexes, dpkg's database)
#
#   a (1) ===== b (2)     qnet-topo, 2 km, direct, unpaced
set -u

usage() {
	cat <<EOF
Usage: tools/deb-test.sh [--no-build] [--host-only] [--vm-timeout SECS]

Build the Debian packages from a copy of the tree (build/deb/), run
lintian on them, then install, use and remove them in the test VM.

  --no-build         test the packages already in build/deb/src/
  --host-only        build and lint only (make check); no VM
  --vm-timeout SECS  timeout of the VM boot (default: 1800)
  -h, --help         this text
EOF
}

top=$(cd "$(dirname "$0")/.." && pwd)
debdir=$top/build/deb
pkgs="qnet-dkms libqnet2 libqnet-dev qnet-tools"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n $1"; }
comment() { sed 's/^/# /'; }

# check NAME CMD...: one TAP line for CMD's status; its output as comments
# on failure ("# " lines it prints itself are passed on either way).
check() {
	local name=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" = 0 ]; then
		printf '%s\n' "$out" | grep '^# ' || true
		ok "$name"
	else
		printf '%s\n' "$out" | comment
		not_ok "$name"
	fi
	return "$rc"
}

now() { date +%s.%N; }
secs() { echo "$(now) - $1" | bc | xargs printf '%.1f'; }

# ===================================================================
# In the guest
# ===================================================================

ovl=/run/qnet-deb		# the overlays' upper and work dirs (tmpfs)
overlaid="/usr /etc /var/lib /var/cache"

make_writable() {
	local d u
	modprobe overlay || return 1
	for d in $overlaid; do
		u=$ovl/${d//\//_}
		mkdir -p "$u/upper" "$u/work" || return 1
		mount -t overlay "qnet-deb$d" \
			-o "lowerdir=$d,upperdir=$u/upper,workdir=$u/work" "$d" || return 1
	done
	touch /usr/.qnet-deb-test && rm /usr/.qnet-deb-test || return 1
	# dkms runs depmod at install and at removal; over the Debian
	# kernel's 4000 modules that takes 85-90 s each time under TCG (idle
	# host): hide them (qnet needs none; overlay and 9p are loaded)
	mount -t tmpfs -o mode=0755 qnet-deb-nomods "/lib/modules/$KVER/kernel" || return 1
	# man-db's trigger would index every manual page under TCG: off
	# (its own switch, the debconf question man-db/auto-update)
	rm -f /var/lib/man-db/auto-update
	echo "# overlays on $overlaid (upper: tmpfs $ovl)"
}

deb_files() {
	local p
	for p in $pkgs; do
		ls "$debdir"/src/"${p}"_*_*.deb || return 1
	done
}

install_pkgs() {
	local t0 rc=0 st
	t0=$(now)
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2046
	dpkg -i $(deb_files) >"$debdir/dpkg-i.log" 2>&1 || rc=$?
	echo "# dpkg -i (with the DKMS build): $(secs "$t0") s"
	grep -E 'Building module|Installing|Running module version|Done\.|Error|error:' \
		"$debdir/dpkg-i.log" | comment
	[ "$rc" = 0 ] || { cat "$debdir/dpkg-i.log"; return 1; }
	st=$(dkms status qnet 2>&1)
	echo "# dkms status: $st"
	printf '%s\n' "$st" | grep -q "^qnet/[^,]*, $KVER, [^:]*: installed" ||
		{ cat "$debdir/dpkg-i.log"; return 1; }
}

load_module() {
	local f
	modprobe qnet || return 1
	[ -d /sys/module/qnet ] || { echo "no /sys/module/qnet"; return 1; }
	f=$(modinfo -n qnet) || return 1
	echo "# modprobe loaded $f, family $(cat /sys/module/qnet/parameters/family)"
	case "$f" in
	/lib/modules/"$KVER"/updates/dkms/qnet.ko*|/usr/lib/modules/"$KVER"/updates/dkms/qnet.ko*) ;;
	*) echo "not DKMS's module: $f"; return 1 ;;
	esac
}

dev_and_plugins() {
	local out flags
	cat >"$tmp/app.c" <<'EOF'
#include <stdio.h>
#include <qnet/libqnet.h>

int main(void)
{
	int fam = qnet_family();

	if (fam < 0)
		return 1;
	printf("libqnet %d.%d, AF_QNET %d\n", LIBQNET_VERSION_MAJOR,
	       LIBQNET_VERSION_MINOR, fam);
	return 0;
}
EOF
	flags=$(pkg-config --cflags --libs libqnet) || return 1
	# shellcheck disable=SC2086
	gcc -Wall -Werror -o "$tmp/app" "$tmp/app.c" $flags || return 1
	ldd "$tmp/app" | grep -q "libqnet.so.2 => /lib/.*-linux-gnu/libqnet.so.2\|libqnet.so.2 => /usr/lib/.*-linux-gnu/libqnet.so.2" ||
		{ ldd "$tmp/app"; return 1; }
	out=$("$tmp/app") || return 1
	echo "# $out"
	[ "$out" = "libqnet 2.0, AF_QNET $(cat /sys/module/qnet/parameters/family)" ] || return 1
	# ip finds the installed plugin without IP_LIB_DIR
	env -u IP_LIB_DIR ip link help qlink 2>&1 | grep -q 'type qlink' ||
		{ echo "ip does not load the installed link_qlink.so"; return 1; }
	[ -f "/usr/lib/$(gcc -print-multiarch)/wireshark/plugins/qnet.lua" ] ||
		{ echo "no qnet.lua"; return 1; }
	command -v qnetctl qnet-topo qnet-top qnet-model qping qkd | comment
	[ "$(command -v qnetctl qnet-topo qnet-top qnet-model qping qkd | wc -l)" = 6 ]
}

two_nodes_qping() {
	local bob rc=0
	cat >"$topo" <<EOF
node deb-a-$$ 1
node deb-b-$$ 2
defaults scheme direct length 2km time-scale 0
link deb-a-$$ deb-b-$$ dev ql0 peer ql0
EOF
	# the installed tools only: qnet-topo runs the qnetctl in PATH
	env -u QNETCTL qnet-topo up "$topo" || return 1
	ip netns exec "deb-b-$$" qping -l -c 5 >"$tmp/bob" 2>&1 &
	bob=$!
	# until it listens on port 7 (selftests/qnet_apps.sh: wait_listen)
	for _ in $(seq 100); do
		ip netns exec "deb-b-$$" cat /proc/net/qnet 2>/dev/null |
			awk '$2 == "LISTEN" && $3 ~ ":7$" { f = 1 } END { exit !f }' &&
			break
		sleep 0.1
	done
	ip netns exec "deb-a-$$" qping -c 5 2 >"$tmp/alice" 2>&1 || rc=$?
	wait "$bob" || rc=$((rc + 16 * $?))
	comment <"$tmp/alice"
	[ "$rc" = 0 ] || { echo "qping exited $rc; listener:"; cat "$tmp/bob"; return 1; }
	if ! grep -q '^5 pairs asked, 5 delivered' "$tmp/alice" ||
	   ! grep -q '^5 pairs asked, 5 delivered' "$tmp/bob"; then
		cat "$tmp/bob"
		return 1
	fi
}

teardown() {
	[ -f "$topo" ] && command -v qnet-topo >/dev/null &&
		qnet-topo down "$topo" >/dev/null 2>&1
	rm -f "$topo"
	# the namespaces (and their qlinks) go asynchronously
	for _ in $(seq 40); do
		[ -d /sys/module/qnet ] || return 0
		rmmod qnet 2>/dev/null && return 0
		sleep 0.25
	done
	rmmod qnet
}

remove_pkgs() {
	local t0 rc=0
	t0=$(now)
	# shellcheck disable=SC2086
	dpkg --purge $pkgs >"$debdir/dpkg-purge.log" 2>&1 || rc=$?
	echo "# dpkg --purge: $(secs "$t0") s"
	[ "$rc" = 0 ] || { cat "$debdir/dpkg-purge.log"; return 1; }
}

# What the upper layers may keep once the packages are gone: dpkg's
# database, debconf's, depmod's indexes, ldconfig's cache, and the
# signing key pair dkms makes at its first build (dkms's own, removed
# with dkms); nothing of ours.
allowed_left='^(/var/lib/dpkg/|/var/cache/debconf/[a-z]+\.dat$|/var/lib/dkms/mok\.(key|pub)$'
allowed_left+='|/var/cache/ldconfig/aux-cache$|/etc/ld\.so\.cache$|/usr/lib/modules/[^/]+/modules\.[a-z.]+$)'

nothing_left() {
	local p d left bad=0
	for p in $pkgs; do
		if dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^[a-z]i'; then
			echo "$p still installed"
			bad=1
		fi
	done
	if dkms status qnet 2>/dev/null | grep -q .; then
		dkms status qnet
		bad=1
	fi
	for d in /usr/src/qnet-* /var/lib/dkms/qnet; do
		[ -e "$d" ] && { echo "$d left"; bad=1; }
	done
	left=$(find "/lib/modules/$KVER" -name 'qnet.ko*')
	[ -z "$left" ] || { echo "left: $left"; bad=1; }
	modprobe -n qnet 2>/dev/null && { echo "modprobe still finds qnet"; bad=1; }
	# every file and link the overlays hold, by its path in the system
	for d in $overlaid; do
		(cd "$ovl/${d//\//_}/upper" && find . -type f -o -type l) |
			sed "s|^\.|$d|; s|^/usr/lib/modules/|/usr/lib/modules/|"
	done >"$tmp/upper"
	left=$(grep -vE "$allowed_left" "$tmp/upper")
	[ -z "$left" ] || { echo "left in the overlays:"; echo "$left"; bad=1; }
	echo "# in the overlays, all bookkeeping: $(wc -l <"$tmp/upper") files"
	return "$bad"
}

guest() {
	local t0 step
	n=$1
	tmp=$(mktemp -d)
	topo=$tmp/ab	# the topology file, while it is up
	trap 'teardown >/dev/null 2>&1; rm -rf "$tmp"' EXIT
	for step in "writable system: overlays over /usr /etc /var/lib /var/cache:make_writable" \
		    "dpkg -i $pkgs: DKMS builds qnet for $KVER:install_pkgs" \
		    "modprobe qnet: DKMS's module:load_module" \
		    "libqnet-dev via pkg-config, libqnet2, ip and Wireshark plugins:dev_and_plugins" \
		    "two nodes by qnet-topo, qping -c 5 delivers 5 pairs:two_nodes_qping" \
		    "topology down, rmmod qnet:teardown" \
		    "dpkg --purge $pkgs:remove_pkgs" \
		    "nothing left: dpkg, dkms, modules, overlays:nothing_left"; do
		t0=$(now)
		check "deb: ${step%:*}" "${step##*:}"
		echo "# ${step##*:}: $(secs "$t0") s"
		# nothing else makes sense without the writable system
		[ "${step##*:}" = make_writable ] && [ "$failed" = 1 ] && break
	done
	exit "$failed"
}

# ===================================================================
# On the host
# ===================================================================

build_pkgs() {
	local src ver t0 tool
	for tool in dpkg-buildpackage dh dh_dkms; do
		command -v "$tool" >/dev/null ||
			{ echo "$tool missing: tools/deps.sh installs it"; return 1; }
	done
	ver=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version) || return 1
	src=$debdir/src/qnet-${ver%-*}
	rm -rf "$debdir/src"
	mkdir -p "$src" || return 1
	# the tree's sources as they are now, committed or not
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$top" && git ls-files -z -co --exclude-standard |
			tar --null -T - -cf -) | tar -xf - -C "$src" || return 1
	else
		(cd "$top" && tar --exclude=./build --exclude-vcs -cf - .) |
			tar -xf - -C "$src" || return 1
	fi
	t0=$(now)
	# GIT_DIR: git describe must not find the work tree's repository
	# around the copy (qnetctl -V shows the package version anyway)
	(cd "$src" && GIT_DIR=/nonexistent dpkg-buildpackage -us -uc -b) \
		>"$debdir/build.log" 2>&1 ||
		{ tail -n 40 "$debdir/build.log"; return 1; }
	echo "# dpkg-buildpackage -us -uc -b: $(secs "$t0") s; log build/deb/build.log"
	(cd "$debdir/src" && ls -1 ./*.deb) | sed 's|^\./|# |'
	deb_files >/dev/null
}

run_lintian() {
	local changes out rc=0
	command -v lintian >/dev/null ||
		{ echo "lintian missing: tools/deps.sh installs it"; return 1; }
	changes=$(ls "$debdir"/src/qnet_*.changes) || return 1
	out=$(lintian --fail-on error --display-info "$changes" 2>&1) || rc=$?
	out=$(printf '%s\n' "$out" | grep -v 'running with root privileges')
	echo "# lintian: $(printf '%s\n' "$out" | grep -c '^E:') errors," \
		"$(printf '%s\n' "$out" | grep -c '^W:') warnings," \
		"$(printf '%s\n' "$out" | grep -c '^I:') info"
	[ -z "$out" ] || printf '%s\n' "$out" | comment
	return "$rc"
}

host() {
	local build=1 vm=1 vm_timeout=1800 rc=0 t0
	while [ $# -gt 0 ]; do
		case "$1" in
		--no-build) build=0 ;;
		--host-only) vm=0 ;;
		--vm-timeout) vm_timeout=${2:?--vm-timeout needs seconds}; shift ;;
		-h|--help) usage; exit 0 ;;
		*) usage >&2; exit 2 ;;
		esac
		shift
	done
	echo "TAP version 13"
	if [ "$build" = 1 ]; then
		t0=$(now)
		check "deb: dpkg-buildpackage -us -uc -b ($pkgs)" build_pkgs ||
			{ echo "1..$n"; exit 1; }
	fi
	check "deb: lintian, no errors" run_lintian
	if [ "$vm" = 0 ]; then
		echo "# the install test in the VM: make check-deb"
		echo "1..$n"
		exit "$failed"
	fi
	t0=$(now)
	tools/vm-run --timeout "$vm_timeout" -- tools/deb-test.sh --guest "$n" |
		tee "$debdir/vm.tap"
	rc=${PIPESTATUS[0]}
	# the guest numbered its lines from $n on
	n=$((n + $(grep -cE '^(not )?ok ' "$debdir/vm.tap")))
	if [ "$rc" != 0 ]; then
		failed=1
		case "$rc" in
		1) ;;	# a "not ok" line said it
		*) not_ok "deb: VM (tools/vm-run exit $rc)" ;;
		esac
	fi
	echo "# VM: $(secs "$t0") s"
	echo "1..$n"
	exit "$failed"
}

cd "$top" || exit 1
if [ "${1:-}" = --guest ]; then
	guest "${2:-0}"
fi
host "$@"
