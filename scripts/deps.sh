#!/bin/sh
# scripts/deps.sh: installs the Debian packages cprof needs to build and test, if any is
# missing. As root it runs apt-get; otherwise it prints the exact command and fails.
# Idempotent: with everything present it prints nothing and succeeds.
#
#   scripts/deps.sh          build and test packages
#   scripts/deps.sh --bench  also the peers the benchmarks compare against
#   scripts/deps.sh --fuzz   also clang and libFuzzer (make fuzz)
set -eu

BUILD="gcc g++ make pkg-config libunwind-dev zlib1g-dev libprotobuf-c-dev protobuf-c-compiler"
TEST="golang-go binutils curl procps libcap2-bin"
BENCH="google-perftools libgoogle-perftools-dev heaptrack"
FUZZ="clang-14 libclang-rt-14-dev"

pkgs="$BUILD $TEST"
[ "${1:-}" = "--bench" ] && pkgs="$pkgs $BENCH"
[ "${1:-}" = "--fuzz" ] && pkgs="$pkgs $FUZZ"

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "cprof needs these Debian packages:$missing" >&2
	echo "install them with: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
