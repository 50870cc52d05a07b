#!/usr/bin/env bash
# A missing build dependency stops the build with one line that names the Debian package
# to install (make's "*** ...  Stop." line), for each dependency; the install script is
# idempotent (nothing to do, nothing printed, success) on a machine that has everything.
. tests/lib.sh

# want PKG-CONFIG-NAME DEBIAN-PACKAGE MAKE-ARGS...: make check-deps fails with one line.
want() {
	local what=$1 deb=$2
	shift 2
	make -s --no-print-directory check-deps "$@" >"$T/out" 2>&1
	local rc=$?
	check "missing $what: make fails" test $rc -ne 0
	check "missing $what: one line naming $deb" \
		sh -c "[ \$(wc -l <'$T/out') -eq 1 ] && grep -q 'install the Debian package $deb' '$T/out'"
}

mkdir -p "$T/pc"
cat >"$T/pc/fake-pkg-config" <<'SH'
#!/bin/sh
# pkg-config that knows every package except $HIDE.
for a in "$@"; do [ "$a" = "$HIDE" ] && exit 1; done
exec pkg-config "$@"
SH
chmod +x "$T/pc/fake-pkg-config"
want pkg-config pkg-config PKG_CONFIG="$T/pc/no-such-pkg-config"
for p in libprotobuf-c:libprotobuf-c-dev zlib:zlib1g-dev libunwind:libunwind-dev; do
	HIDE=${p%%:*} want "${p%%:*}" "${p#*:}" PKG_CONFIG="$T/pc/fake-pkg-config"
done
want protoc-c protobuf-c-compiler PROTOC_C="$T/pc/no-such-protoc-c"
scripts/deps.sh >"$T/deps.out" 2>&1
check "scripts/deps.sh with everything installed: success and silence" \
	test $? -eq 0 -a ! -s "$T/deps.out"
finish
