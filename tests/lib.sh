# tests/lib.sh: helpers for the tNNNN-*.sh integration tests, sourced from the top of
# the tree. A test runs a program under build/cprofrun, writing the profile to a file,
# checks cprofrun's exit status, then reads the profile twice: with the project's
# decoder (build/pdump) and with go tool pprof, the reference reader. Each check prints
# [Success], [Skipped ...] or [Failed ...]; the test ends with `finish`.
set -u
export LC_ALL=C TZ=UTC
ROOT=$(pwd)
B=$ROOT/build
CPROFRUN=$B/cprofrun
PDUMP=$B/pdump
PROGS=$B/tests/progs
LIB=$B/libcprof.so
T=$(mktemp -d "${TMPDIR:-/tmp}/cprof-test.XXXXXX")
export PPROF_TMPDIR=$T/pprof HOME=$T
failures=0

cleanup() {
	if [ "$failures" -eq 0 ] && [ -z "${CPROF_KEEP:-}" ]; then
		rm -rf "$T"
	else
		echo "# files kept in $T"
	fi
}
trap cleanup EXIT

ok() { echo "[Success] $*"; }
bad() {
	echo "[Failed $*]"
	failures=$((failures + 1))
}
skip() {
	echo "[Skipped: $*]"
	echo "skip: $*"
	exit 77
}
broken() {
	echo "broken test: $*"
	exit 99
}
finish() {
	if [ "$failures" -eq 0 ]; then
		echo "all checks passed"
		exit 0
	fi
	echo "$failures check(s) failed"
	exit 1
}

# check NAME COMMAND...: runs COMMAND, passes when it succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || skip "$c is not installed"
	done
}

need_built() {
	local f
	for f in "$@"; do
		[ -e "$f" ] || broken "$f is missing (run make test-build)"
	done
}
need_built "$CPROFRUN" "$PDUMP" "$LIB"

# run_cprof OUT_PREFIX cprofrun-args...: runs build/cprofrun with stdout and stderr in
# OUT_PREFIX.out / .err, and stores its exit status in $status (never piped).
status=0
run_cprof() {
	local out=$1
	shift
	"$CPROFRUN" "$@" >"$out.out" 2>"$out.err"
	status=$?
}

# expect_status NAME WANT: checks $status.
expect_status() {
	if [ "$status" -eq "$2" ]; then ok "$1 (exit status $2)"; else bad "$1: exit status $status, want $2"; fi
}

# pprof_ok FILE: go tool pprof reads FILE with no warning at all (-raw and -top).
pprof_ok() {
	local f=$1 rc
	go tool pprof -raw "$f" >"$f.raw" 2>"$f.raw.err"
	rc=$?
	if [ $rc -ne 0 ] || [ -s "$f.raw.err" ]; then
		echo "# go tool pprof -raw $f: exit $rc"
		sed 's/^/#   /' "$f.raw.err" | head -5
		return 1
	fi
	go tool pprof -top -nodefraction=0 -nodecount=0 "$f" >"$f.top" 2>"$f.top.err"
	rc=$?
	if [ $rc -ne 0 ] || [ -s "$f.top.err" ]; then
		echo "# go tool pprof -top $f: exit $rc"
		sed 's/^/#   /' "$f.top.err" | head -5
		return 1
	fi
	return 0
}

# pdump_ok FILE: the project's decoder accepts FILE; its -raw dump goes to FILE.dump.
pdump_ok() {
	"$PDUMP" -raw "$1" >"$1.dump" 2>"$1.dump.err" && "$PDUMP" -check "$1"
}

# value_index FILE TYPE: index of sample type TYPE in a pdump dump (0-based), or -1.
value_index() {
	awk -v t="$2" '/^sample_types:/ { for (i = 2; i <= NF; i++) { s = $i; sub(/\[dflt\]$/, "", s); split(s, a, "/"); if (a[1] == t) { print i - 2; exit } } print -1; exit }' "$1.dump"
}

# sum_where FILE TYPE REGEX...: total of sample type TYPE over the samples in which every
# REGEX (an awk regex) matches the function name of some frame; FILE.dump must exist.
sum_where() {
	local f=$1 t=$2
	shift 2
	sum_tagged "$f" "$t" "" "$@"
}

# total FILE TYPE: total of sample type TYPE.
total() {
	sum_where "$1" "$2" '.'
}

# percent PART WHOLE: PART/WHOLE in percent with two decimals.
percent() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "0.00"; else printf "%.2f\n", 100 * a / b }'
}

# within VALUE WANT TOLERANCE: |VALUE - WANT| <= TOLERANCE (numbers may be decimals).
within() {
	awk -v v="$1" -v w="$2" -v t="$3" 'BEGIN { d = v - w; if (d < 0) d = -d; exit !(d <= t) }'
}

# frames_of FILE: one line per sample, its frames' function names joined by ";".
frames_of() {
	awk -F' [|] ' '/^sample: / { n = split(substr($3, 8), fr, ";"); s = ""; for (k = 1; k <= n; k++) { f = fr[k]; sub(/ .*/, "", f); s = s (k > 1 ? ";" : "") f } print s }' "$1.dump"
}

# no_cprof_frames FILE: no frame belongs to cprof itself (its handler, its wrappers).
no_cprof_frames() {
	! frames_of "$1" | tr ';' '\n' | grep -Eq '^(cpu_signal_sig|handler_sig|thread_start|unwind_|sigs_|cprof_)'
}

# sum_tagged FILE TYPE KEY=VALUE REGEX...: sum_where over the samples that also carry the
# string label KEY=VALUE (block profiles: call=read); an empty KEY=VALUE: every sample.
sum_tagged() {
	local idx f=$1 t=$2 tag=$3
	idx=$(value_index "$f" "$t")
	shift 3
	awk -v i="$idx" -v tag="$tag" -v res="$(printf '%s\n' "$@")" -F' [|] ' '
		BEGIN { nre = split(res, re, "\n") }
		/^sample: / && (tag == "" || (" " $2 " ") ~ (" " tag " ")) {
			split(substr($1, 9), v, " ")
			n = split(substr($3, 8), fr, ";")
			for (k = 1; k <= n; k++) { sub(/ .*/, "", fr[k]) }
			all = 1
			for (r = 1; r <= nre; r++) {
				hit = 0
				for (k = 1; k <= n; k++) if (fr[k] ~ re[r]) { hit = 1; break }
				if (!hit) { all = 0; break }
			}
			if (all) s += v[i + 1]
		}
		END { printf "%.0f\n", s }' "$f.dump"
}
