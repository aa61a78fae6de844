#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317,SC2015  # the test functions run through check()
#
# Host test of `make install`, `make uninstall` and dkms.conf, run by
# `make check` (unit stage: `make -C userspace/libqnet check`). Prints
# kselftest-style TAP. Needs the tree built (make all); `make install`
# rebuilds nothing that is up to date.
#
#  - install into a temporary DESTDIR with PREFIX=/opt/qnet, then with the
#    default PREFIX; the file lists are exact
#  - libqnet: soname, symlinks, every exported function in a version
#    node libqnet.map names it in (qnet_ctl_net_stats_get in LIBQNET_1.1,
#    the route range calls in LIBQNET_1.2;
#    the functions that fill struct qnet_stats in 1.1 and, for programs
#    built against 1.0, in 1.0; the rest in 1.0), generated libqnet.pc
#  - a program built against the installed header and library through
#    `pkg-config --cflags --libs libqnet` (PKG_CONFIG_SYSROOT_DIR points
#    into DESTDIR), linked shared and static, runs
#  - link_qlink.so and qnet.lua go where ip and tshark look for plugins
#  - uninstall leaves no file behind
#  - make install-userspace (debian/rules): the same without the module,
#    libqnet and libqnet.pc in LIBDIR
#  - dkms.conf sourced in bash has the expected variables, and its MAKE
#    builds the module target only, its CLEAN cleans the module only
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A variable of a Makefile of the tree.
make_var() {	# dir var
	# shellcheck disable=SC2016
	make -s --no-print-directory -C "$top/$1" -f Makefile \
		-f <(printf 'qnet-print-%%:\n\t@echo $(%s)\n' '$*') "qnet-print-$2"
}

KVER=$(make_var . KVER)
multiarch=$(gcc -print-multiarch 2>/dev/null || true)
multiarch=${multiarch:-x86_64-linux-gnu}
libver=$(make_var userspace/libqnet VERSION)
examples=$(make_var userspace/examples PROGS)

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n $1"; }
comment() { sed 's/^/# /'; }

# check NAME CMD...: one TAP line for CMD's status; its output as comments.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name"
		printf '%s\n' "$out" | comment
	fi
}

# The files and links an install with PREFIX $1 puts under DESTDIR.
expected() {
	local p=$1
	{
		echo "/lib/modules/$KVER/updates/qnet.ko"
		echo "$p/include/linux/qnet.h"
		echo "$p/include/qnet/libqnet.h"
		echo "$p/lib/libqnet.so.$libver"
		echo "$p/lib/libqnet.so.${libver%%.*}"
		echo "$p/lib/libqnet.so"
		echo "$p/lib/libqnet.a"
		echo "$p/lib/pkgconfig/libqnet.pc"
		echo "$p/sbin/qnetctl"
		echo "$p/share/man/man8/qnetctl.8"
		echo "$p/sbin/qnet-kmd"
		echo "$p/share/man/man8/qnet-kmd.8"
		echo "$p/bin/qnet-model"
		echo "$p/sbin/qnet-topo"
		echo "$p/sbin/qnet-top"
		for e in $examples; do echo "$p/bin/$e"; done
		echo "$p/share/man/man8/qping.8"
		echo "$p/share/man/man1/qkd.1"
		echo "$p/share/man/man8/qnet-topo.8"
		echo "$p/share/man/man8/qnet-top.8"
		echo "$p/share/man/man1/qnet-model.1"
		echo "$p/share/man/man3/libqnet.3"
		echo "$p/share/bash-completion/completions/qnetctl"
		echo "$p/share/bash-completion/completions/qnet-topo"
		# where ip and Wireshark look, whatever the prefix
		echo "/usr/lib/$multiarch/ip/link_qlink.so"
		echo "/usr/lib/$multiarch/wireshark/plugins/qnet.lua"
	} | sort
}

installed() {	# destdir
	(cd "$1" && find . -type f -o -type l) | sed 's|^\.||' | sort
}

same_list() {	# destdir prefix
	diff -u <(expected "$2") <(installed "$1")
}

do_make() {	# destdir prefix target
	make -s -C "$top" DESTDIR="$1" ${2:+PREFIX="$2"} "$3"
}

check_links() {	# libdir
	local d=$1 major=${libver%%.*}
	[ "$(readlink "$d/libqnet.so")" = "libqnet.so.$major" ] &&
	[ "$(readlink "$d/libqnet.so.$major")" = "libqnet.so.$libver" ] &&
	[ -x "$d/libqnet.so.$libver" ] || { ls -l "$d"; return 1; }
	readelf -d "$d/libqnet.so.$libver" | grep -q "Library soname: \[libqnet.so.$major\]" ||
		{ echo "soname is not libqnet.so.$major"; return 1; }
	# every exported function in the node of libqnet.map that names it
	local syms bad
	syms=$(nm -D --defined-only "$d/libqnet.so.$libver" | awk '$2 == "T" {print $3}')
	[ -n "$syms" ] || { echo "no exported functions"; return 1; }
	# name@@NODE (the default) or name@NODE (an older one)
	bad=$(printf '%s\n' "$syms" | sed 's/@@*/ /' | grep -vxF -f <(map_symbols))
	if [ -n "$bad" ]; then
		printf '%s\n' "$bad"
		echo "^ exported in a node of libqnet.map that does not name it"
		return 1
	fi
	local want
	for want in qnet_ctl_net_stats_get@@LIBQNET_1.1 \
		    qnet_ctl_stats_get@@LIBQNET_1.1 qnet_ctl_stats_get@LIBQNET_1.0 \
		    qnet_ctl_link_get@@LIBQNET_1.1 qnet_ctl_link_get@LIBQNET_1.0 \
		    qnet_ctl_link_list@@LIBQNET_1.1 qnet_ctl_link_list@LIBQNET_1.0 \
		    qnet_ctl_open@@LIBQNET_1.0 qnet_ctl_route_list@@LIBQNET_1.0 \
		    qnet_ctl_route_add_range@@LIBQNET_1.2 \
		    qnet_ctl_route_list_range@@LIBQNET_1.2; do
		printf '%s\n' "$syms" | grep -qxF "$want" ||
			{ echo "$want is not exported"; return 1; }
	done
	# the minor version of the file name is the newest node's
	[ "$(map_symbols | sed 's/.* LIBQNET_//' | sort -V | tail -n1)" = "${libver%.*}" ] ||
		{ echo "newest node of libqnet.map is not LIBQNET_${libver%.*}"; return 1; }
}

# "name NODE" for every name the global part of each node of libqnet.map lists.
map_symbols() {
	sed -e 's|/\*.*\*/||' "$top/userspace/libqnet/libqnet.map" | awk '
		/^[A-Za-z_0-9.]+[ \t]*\{/ { node = $1; sub(/\{.*/, "", node); glob = 0; next }
		/global:/ { glob = 1; next }
		/local:/ { glob = 0; next }
		/^}/ { glob = 0; next }
		glob && /^[ \t]*[A-Za-z_][A-Za-z_0-9]*;/ {
			s = $1; sub(/;.*/, "", s); print s " " node }'
}

check_pc() {	# destdir prefix
	local pc=$1$2/lib/pkgconfig/libqnet.pc got want
	grep -qx "prefix=$2" "$pc" || { cat "$pc"; return 1; }
	got=$(PKG_CONFIG_PATH="$1$2/lib/pkgconfig" pkg-config --cflags --libs libqnet) ||
		return 1
	# libnl's cflags come along (Requires.private), its libs do not
	# shellcheck disable=SC2046,SC2116
	want=$(echo -I"$2"/include $(pkg-config --cflags libnl-genl-3.0) -L"$2"/lib -lqnet)
	# shellcheck disable=SC2086,SC2116
	[ "$(echo $got)" = "$want" ] ||
		{ echo "pkg-config says: \"$got\", want \"$want\""; return 1; }
	got=$(PKG_CONFIG_PATH="$1$2/lib/pkgconfig" pkg-config --modversion libqnet)
	[ "$got" = "$libver" ] || { echo "version $got"; return 1; }
}

cat >"$tmp/prog.c" <<'EOF'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <qnet/libqnet.h>

#ifdef BIND_1_0
int qnet_ctl_stats_get_1_0(struct qnet_ctl *ctl, const char *ifname, void *st);
__asm__(".symver qnet_ctl_stats_get_1_0, qnet_ctl_stats_get@LIBQNET_1.0");
#endif

int main(void)
{
	struct qnet_ctl *ctl = qnet_ctl_open("qnet-install-test-no-such-netns");
	struct qnet_stats st;

	if (ctl || errno != ENOENT) {
		printf("qnet_ctl_open: %p, errno %d\n", (void *)ctl, errno);
		return 1;
	}
	if (strcmp(qnet_ctl_error(NULL), "")) {
		printf("qnet_ctl_error(NULL) is not \"\"\n");
		return 1;
	}
	/* 1.1 functions link and run */
	if (qnet_ctl_net_stats_get(NULL, &st) != -EINVAL || errno != EINVAL ||
	    qnet_ctl_stats_get(NULL, NULL, &st) != -EINVAL) {
		printf("qnet_ctl_net_stats_get/stats_get(NULL): not EINVAL\n");
		return 1;
	}
#ifdef BIND_1_0
	/* as a program built against 1.0 binds it */
	if (qnet_ctl_stats_get_1_0(NULL, NULL, &st) != -EINVAL) {
		printf("qnet_ctl_stats_get@LIBQNET_1.0(NULL): not EINVAL\n");
		return 1;
	}
#endif
	printf("libqnet %d.%d, genl family \"%s\"\n", LIBQNET_VERSION_MAJOR,
	       LIBQNET_VERSION_MINOR, QNET_GENL_NAME);
	return 0;
}
EOF

build_and_run() {	# destdir prefix static
	local pcp="$1$2/lib/pkgconfig" flags out
	export PKG_CONFIG_PATH=$pcp PKG_CONFIG_SYSROOT_DIR=$1
	if [ "$3" = static ]; then
		flags="$(pkg-config --cflags libqnet) -static-libgcc $(pkg-config --libs-only-L libqnet) -Wl,-Bstatic -lqnet -Wl,-Bdynamic $(pkg-config --static --libs-only-l libqnet | sed 's/-lqnet//')"
	else
		flags=$(pkg-config --cflags --libs libqnet)
	fi
	unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
	# shellcheck disable=SC2086
	gcc -std=gnu11 -Wall -Wextra -Werror -o "$tmp/prog-$3" "$tmp/prog.c" $flags ||
		return 1
	if [ "$3" = static ]; then
		if ldd "$tmp/prog-$3" | grep -q libqnet; then
			echo "static build links libqnet.so"
			return 1
		fi
		out=$("$tmp/prog-$3") || { echo "$out"; return 1; }
	else
		# the installed library, not one from the system
		out=$(LD_LIBRARY_PATH="$1$2/lib" ldd "$tmp/prog-$3" | grep libqnet)
		case "$out" in
		*"$1$2/lib/libqnet.so.${libver%%.*}"*) ;;
		*) echo "ldd: $out"; return 1 ;;
		esac
		out=$(LD_LIBRARY_PATH="$1$2/lib" "$tmp/prog-$3") || { echo "$out"; return 1; }
		# the program asks for the 1.1 node by name
		nm -D "$tmp/prog-$3" | grep -q 'qnet_ctl_net_stats_get@LIBQNET_1\.1' ||
			{ echo "prog does not bind qnet_ctl_net_stats_get@LIBQNET_1.1"; return 1; }
		nm -D "$tmp/prog-$3" | grep -q 'qnet_ctl_stats_get@LIBQNET_1\.1' ||
			{ echo "prog does not bind qnet_ctl_stats_get@LIBQNET_1.1"; return 1; }
		# and one built against 1.0 still finds its version
		# shellcheck disable=SC2086
		gcc -std=gnu11 -Wall -Wextra -Werror -DBIND_1_0 -o "$tmp/prog-1.0" \
			"$tmp/prog.c" $flags || return 1
		nm -D "$tmp/prog-1.0" | grep -q 'qnet_ctl_stats_get@LIBQNET_1\.0' ||
			{ echo "prog-1.0 does not bind qnet_ctl_stats_get@LIBQNET_1.0"; return 1; }
		out=$(LD_LIBRARY_PATH="$1$2/lib" "$tmp/prog-1.0") || { echo "$out"; return 1; }
	fi
	[ "$out" = "libqnet ${libver%.*}, genl family \"qnet\"" ] || { echo "$out"; return 1; }
}

nothing_left() {	# destdir
	local left
	left=$(installed "$1")
	[ -z "$left" ] || { echo "left behind:"; echo "$left"; return 1; }
	[ ! -d "$1$2/include/qnet" ] || { echo "include/qnet still there"; return 1; }
}

check_dkms() {
	local conf=$top/dkms.conf kdir=/lib/modules/$KVER/build out
	[ -f "$conf" ] || { echo "no dkms.conf"; return 1; }
	out=$(bash -c '
		set -eu
		kernelver=$1 kernel_source_dir=$2
		. "$3"
		[ "$PACKAGE_NAME" = qnet ] || echo "PACKAGE_NAME=$PACKAGE_NAME"
		[ "$PACKAGE_VERSION" = 0.1 ] || echo "PACKAGE_VERSION=$PACKAGE_VERSION"
		[ "${BUILT_MODULE_NAME[0]}" = qnet ] || echo "BUILT_MODULE_NAME[0]=${BUILT_MODULE_NAME[0]}"
		[ "${BUILT_MODULE_LOCATION[0]}" = kernel/ ] || echo "BUILT_MODULE_LOCATION[0]=${BUILT_MODULE_LOCATION[0]}"
		[ "${DEST_MODULE_LOCATION[0]}" = /updates ] || echo "DEST_MODULE_LOCATION[0]=${DEST_MODULE_LOCATION[0]}"
		[ "$AUTOINSTALL" = yes ] || echo "AUTOINSTALL=$AUTOINSTALL"
		[ "$CLEAN" = "make KVER=$1 KDIR=$2 module-clean" ] || echo "CLEAN=$CLEAN"
		echo "MAKE ${MAKE[0]}"
	' dkms-test "$KVER" "$kdir" "$conf" 2>&1) || { echo "$out"; return 1; }
	if [ "$(printf '%s\n' "$out" | grep -vc '^MAKE ')" != 0 ]; then
		echo "$out"
		return 1
	fi
	out=${out#MAKE }
	[ "$out" = "make KVER=$KVER KDIR=$kdir module" ] ||
		{ echo "MAKE[0] is \"$out\""; return 1; }
	# what that command runs: kbuild's modules for the kernel given, only
	# shellcheck disable=SC2086
	out=$(cd "$top" && ${out/make/make -n} 2>&1) || { echo "$out"; return 1; }
	printf '%s\n' "$out" | grep -q -- "-C $kdir M=$top .*modules" ||
		{ echo "$out" | head -5; return 1; }
	if printf '%s\n' "$out" | grep -q -- "-C userspace"; then
		echo "MAKE builds userspace too"
		return 1
	fi
	# dkms finds the module where BUILT_MODULE_LOCATION says
	[ -f "$top/kernel/qnet.ko" ] || { echo "kernel/qnet.ko not built"; return 1; }
}

echo "TAP version 13"
# the plugins' default directories are those the installed programs read
ip_looks_there() {
	local ip
	ip=$(command -v ip) || { echo "no ip"; return 1; }
	strings "$ip" | grep -qx "/usr/lib/$multiarch/ip" ||
		{ echo "$ip does not name /usr/lib/$multiarch/ip"; return 1; }
	IP_LIB_DIR="$d2/usr/lib/$multiarch/ip" ip link help qlink 2>&1 |
		grep -q 'type qlink' || { echo "ip does not load the installed plugin"; return 1; }
}
wireshark_looks_there() {
	command -v tshark >/dev/null || { echo "# SKIP tshark missing"; return 0; }
	tshark -G folders 2>/dev/null |
		grep -qx "Global Lua Plugins:[[:space:]]*/usr/lib/$multiarch/wireshark/plugins" ||
		{ tshark -G folders 2>&1; return 1; }
}

echo "1..16"

d1=$tmp/destdir-opt
check "install: make install DESTDIR PREFIX=/opt/qnet" do_make "$d1" /opt/qnet install
check "install: exact file list (PREFIX=/opt/qnet)" same_list "$d1" /opt/qnet
check "install: libqnet soname, symlinks, symbols in their version nodes" check_links "$d1/opt/qnet/lib"
check "install: libqnet.pc for PREFIX=/opt/qnet" check_pc "$d1" /opt/qnet
check "install: program via pkg-config, shared libqnet" build_and_run "$d1" /opt/qnet shared
check "install: program via pkg-config, static libqnet" build_and_run "$d1" /opt/qnet static
check "install: make uninstall PREFIX=/opt/qnet" do_make "$d1" /opt/qnet uninstall
check "install: nothing left after uninstall (PREFIX=/opt/qnet)" nothing_left "$d1" /opt/qnet

d2=$tmp/destdir-default
check "install: make install DESTDIR, default PREFIX" do_make "$d2" "" install
check "install: exact file list (PREFIX=/usr/local)" same_list "$d2" /usr/local
check "install: libqnet.pc for PREFIX=/usr/local" check_pc "$d2" /usr/local
check "install: link_qlink.so where Debian's ip looks, and ip loads it" ip_looks_there
check "install: qnet.lua where Wireshark looks for Lua plugins" wireshark_looks_there
check "install: make uninstall, default PREFIX, nothing left" \
	sh -c "make -s -C '$top' DESTDIR='$d2' uninstall >/dev/null && test -z \"\$(cd '$d2' && find . -type f -o -type l)\""

# what debian/rules runs: no module, libqnet in LIBDIR
install_userspace() {
	local d=$tmp/destdir-user l=/usr/lib/$multiarch
	make -s -C "$top" DESTDIR="$d" PREFIX=/usr LIBDIR="$l" install-userspace >/dev/null ||
		return 1
	diff -u <(expected /usr | grep -v '/qnet\.ko$' |
		  sed "s|^/usr/lib/libqnet|$l/libqnet|; s|^/usr/lib/pkgconfig|$l/pkgconfig|" | sort) \
		<(installed "$d") || return 1
	grep -qx "libdir=$l" "$d$l/pkgconfig/libqnet.pc" || { cat "$d$l/pkgconfig/libqnet.pc"; return 1; }
}
check "install: make install-userspace LIBDIR=/usr/lib/$multiarch (no module)" install_userspace

check "dkms.conf: variables, MAKE builds and CLEAN cleans the module only" check_dkms

exit $failed
