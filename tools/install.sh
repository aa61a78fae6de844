#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make install` / `make uninstall`: put the built module, headers, libqnet,
# qnetctl, qnet-model, the example programs, the man pages, the bash
# completions, the iproute2 plugin and the Wireshark dissector in place, or
# take exactly those files away again. Builds nothing: the Makefile builds
# first.
#
#   tools/install.sh install|uninstall|list
#
# Environment (the Makefile passes its variables):
#   DESTDIR  staging root, empty for a real install
#   PREFIX   default /usr/local
#   LIBDIR   libqnet and its pkg-config file (default $PREFIX/lib;
#            the Debian packages use /usr/lib/<multiarch>)
#   KVER     kernel release of the module (default: uname -r)
#   MODULE   0: leave the module out (`make install-userspace`, the
#            Debian packages: qnet-dkms builds it for each kernel)
#   IPLIBDIR    where ip(8) looks for link_<kind>.so (default
#               /usr/lib/<multiarch>/ip, Debian's; IP_LIB_DIR at run time)
#   WSPLUGINDIR Wireshark's global Lua plugin directory (default
#               /usr/lib/<multiarch>/wireshark/plugins, Debian's; `tshark
#               -G folders` prints it)
#
# The module goes to $DESTDIR/lib/modules/$KVER/updates/qnet.ko (outside
# PREFIX, where modprobe looks); the two plugins, likewise, go where ip and
# Wireshark look for them, whatever PREFIX is. depmod and ldconfig run only for a real
# install (DESTDIR empty). libqnet.pc is generated here from
# userspace/libqnet/libqnet.pc.in for the PREFIX given, whatever the
# build-tree copy says.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
KVER=${KVER:-$(uname -r)}
MODULE=${MODULE:-1}
multiarch=$(gcc -print-multiarch 2>/dev/null || true)
multiarch=${multiarch:-x86_64-linux-gnu}
IPLIBDIR=${IPLIBDIR:-/usr/lib/$multiarch/ip}
WSPLUGINDIR=${WSPLUGINDIR:-/usr/lib/$multiarch/wireshark/plugins}

case "$PREFIX" in
/*) ;;
*) echo "install: PREFIX must be an absolute path: $PREFIX" >&2; exit 2 ;;
esac

libdir=${LIBDIR:-$PREFIX/lib}
incdir=$PREFIX/include
mandir=$PREFIX/share/man
compdir=$PREFIX/share/bash-completion/completions

# A variable of a sub-Makefile (the Makefiles are the one place they live).
# shellcheck disable=SC2016
make_var() {	# dir var
	make -s --no-print-directory -C "$top/$1" -f Makefile \
		-f <(printf 'qnet-print-%%:\n\t@echo $(%s)\n' '$*') \
		"qnet-print-$2"
}

libver=$(make_var userspace/libqnet VERSION)
libmajor=${libver%%.*}
examples=$(make_var userspace/examples PROGS)

# The files: "mode source destination" (destination without DESTDIR;
# "pc" as mode for the generated pkg-config file).
manifest() {
	[ "$MODULE" = 0 ] ||
		echo "644 kernel/qnet.ko /lib/modules/$KVER/updates/qnet.ko"
	echo "644 include/uapi/linux/qnet.h $incdir/linux/qnet.h"
	echo "644 userspace/libqnet/include/qnet/libqnet.h $incdir/qnet/libqnet.h"
	echo "755 userspace/libqnet/libqnet.so.$libver $libdir/libqnet.so.$libver"
	echo "644 userspace/libqnet/libqnet.a $libdir/libqnet.a"
	echo "pc userspace/libqnet/libqnet.pc.in $libdir/pkgconfig/libqnet.pc"
	echo "755 userspace/qnetctl/qnetctl $PREFIX/sbin/qnetctl"
	echo "644 userspace/qnetctl/qnetctl.8 $mandir/man8/qnetctl.8"
	echo "755 userspace/qkd/qnet-kmd $PREFIX/sbin/qnet-kmd"
	echo "644 userspace/qkd/qnet-kmd.8 $mandir/man8/qnet-kmd.8"
	echo "755 userspace/model/qnet-model $PREFIX/bin/qnet-model"
	echo "755 tools/qnet-topo $PREFIX/sbin/qnet-topo"
	echo "755 tools/qnet-top $PREFIX/sbin/qnet-top"
	for p in $examples; do
		echo "755 userspace/examples/$p $PREFIX/bin/$p"
	done
	for m in qping.8 qkd.1 qnet-topo.8 qnet-top.8 qnet-model.1 libqnet.3; do
		echo "644 userspace/man/$m $mandir/man${m##*.}/$m"
	done
	echo "644 userspace/completion/qnetctl $compdir/qnetctl"
	echo "644 userspace/completion/qnet-topo $compdir/qnet-topo"
	echo "755 userspace/iproute2/link_qlink.so $IPLIBDIR/link_qlink.so"
	echo "644 userspace/wireshark/qnet.lua $WSPLUGINDIR/qnet.lua"
}

# The symlinks: "target link".
links() {
	echo "libqnet.so.$libver $libdir/libqnet.so.$libmajor"
	echo "libqnet.so.$libmajor $libdir/libqnet.so"
}

# Directories of our own, removed when empty on uninstall.
own_dirs() {
	echo "$incdir/qnet"
}

do_list() {
	manifest | while read -r _ _ dst; do echo "$dst"; done
	links | while read -r _ l; do echo "$l"; done
}

do_install() {
	local mode src dst missing=0

	while read -r mode src dst; do
		if [ ! -e "$top/$src" ]; then
			echo "install: $src missing; run make first" >&2
			missing=1
		fi
	done < <(manifest)
	[ "$missing" = 0 ] || exit 1

	while read -r mode src dst; do
		echo "  INSTALL $DESTDIR$dst"
		if [ "$mode" = pc ]; then
			install -d "$(dirname "$DESTDIR$dst")"
			sed -e "s|@PREFIX@|$PREFIX|" -e "s|@LIBDIR@|$libdir|" \
			    -e "s|@INCLUDEDIR@|$incdir|" -e "s|@VERSION@|$libver|" \
			    "$top/$src" >"$DESTDIR$dst"
			chmod 644 "$DESTDIR$dst"
		else
			install -D -m "$mode" "$top/$src" "$DESTDIR$dst"
		fi
	done < <(manifest)
	while read -r target link; do
		echo "  LN      $DESTDIR$link -> $target"
		ln -sfn "$target" "$DESTDIR$link"
	done < <(links)

	if [ -z "$DESTDIR" ]; then
		[ "$MODULE" = 0 ] || depmod -a "$KVER"
		ldconfig
	fi
}

do_uninstall() {
	local f d

	while read -r f; do
		if [ -e "$DESTDIR$f" ] || [ -L "$DESTDIR$f" ]; then
			echo "  RM      $DESTDIR$f"
			rm -f "$DESTDIR$f"
		fi
	done < <(do_list)
	while read -r d; do
		rmdir "$DESTDIR$d" 2>/dev/null || true
	done < <(own_dirs)

	if [ -z "$DESTDIR" ]; then
		[ "$MODULE" = 0 ] || depmod -a "$KVER"
		ldconfig
	fi
}

case "${1:-}" in
install) do_install ;;
uninstall) do_uninstall ;;
list) do_list ;;
*) echo "usage: tools/install.sh install|uninstall|list" >&2; exit 2 ;;
esac
