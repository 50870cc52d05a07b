#!/usr/bin/env bash
# tests/lint-sig.sh: fails when signal-context code in preload/ calls something it may
# not (see docs/signal-safety.md): signal-context code is every function in a *_sig.c
# file, after a "/* --- signal context --- */" banner, or named *_sig. It may call only
# other signal-context functions, real_* pointers, atomics and builtins, and the
# functions listed in docs/signal-safety.md; never the allocator, even where cprof defines
# (interposes) it in a signal-context section. Also fails when a *_sig function is defined
# before its file's banner. Exit status 0 clean, 1 violations (each printed).
#   tests/lint-sig.sh [DIR]   (default preload)
set -u
cd "$(dirname "$0")/.." || exit 99
dir=${1:-preload}
allowed=$(sed -n '/<!-- allowed:begin -->/,/<!-- allowed:end -->/p' docs/signal-safety.md | grep -v '<!--' | tr '\n' ' ')

# Strip comments and string literals, keep line numbers.
strip() {
	awk '
	{
		line = $0; out = ""
		while (length(line) > 0) {
			if (incomment) {
				e = index(line, "*/")
				if (e == 0) { line = ""; break }
				line = substr(line, e + 2); incomment = 0; continue
			}
			s = index(line, "/*")
			if (s == 0) { out = out line; line = ""; break }
			out = out substr(line, 1, s - 1); line = substr(line, s + 2); incomment = 1
		}
		gsub(/"([^"\\]|\\.)*"/, "\"\"", out)
		gsub(/\x27([^\x27\\]|\\.)*\x27/, "0", out)
		print out
	}' "$1"
}

# Signal-context function names of all files, for cross-file calls. Function-like macros
# defined in a signal-context section count as signal-context code: their bodies are
# checked like functions' (identifiers pasted with ## are checked as written before it).
sigfuncs=""
banner() {
	sed 's|/\* --- signal context --- \*/|CPROF_SIGNAL_BANNER|' "$1" | strip /dev/stdin |
		sed 's/__attribute__((\([^()]*\|[^()]*([^()]*)[^()]*\)))//g; s/##[A-Za-z_0-9]*//g'
}
for f in "$dir"/*.c; do
	sigfuncs="$sigfuncs $(banner "$f" | awk -v file="$f" '
		/CPROF_SIGNAL_BANNER/ { insig = 1 }
		insig && /^#[[:space:]]*define[[:space:]]+[A-Za-z_][A-Za-z_0-9]*\(/ {
			s = $0; sub(/^#[[:space:]]*define[[:space:]]+/, "", s); sub(/\(.*/, "", s); print s
		}
		depth == 0 && /^[A-Za-z_].*[A-Za-z_0-9]+\(/ && !/;[[:space:]]*$/ {
			s = $0; sub(/\(.*/, "", s); n = split(s, w, /[^A-Za-z_0-9]+/); name = w[n]
		}
		depth == 0 && /^\{/ && name != "" {
			if (insig || name ~ /_sig$/ || file ~ /_sig\.c$/) print name
			name = ""
		}
		{ o = gsub(/\{/, "{"); c = gsub(/\}/, "}"); depth += o - c }')"
done
status=0
for f in "$dir"/*.c; do
	awk -v file="$f" -v allowed="$allowed" -v sigfuncs="$sigfuncs" '
	BEGIN {
		n = split(allowed, a, " "); for (i = 1; i <= n; i++) ok[a[i]] = 1
		n = split(sigfuncs, a, " "); for (i = 1; i <= n; i++) ok[a[i]] = 1
		# The allocator is banned even where cprof defines it (heap_wrap.c interposes it):
		# a call to malloc from signal context is a call into the C library malloc.
		n = split("malloc free calloc realloc reallocarray memalign posix_memalign " \
			  "aligned_alloc valloc pvalloc cfree", a, " ")
		for (i = 1; i <= n; i++) banned[a[i]] = 1
		n = split("if while for switch return sizeof case do else defined volatile " \
			  "__asm__ __extension__ typeof offsetof likely unlikely CPROF_NEVER BIT " \
			  "ARRAY_SIZE va_arg va_start va_end __typeof__ goto S_ISSOCK S_ISREG", a, " ")
		for (i = 1; i <= n; i++) ok[a[i]] = 1
		bad = 0
	}
	/CPROF_SIGNAL_BANNER/ { insig = 1; next }
	insig && /^#[[:space:]]*define[[:space:]]+[A-Za-z_][A-Za-z_0-9]*\(/ {
		macro = $0; sub(/^#[[:space:]]*define[[:space:]]+/, "", macro); sub(/\(.*/, "", macro)
		line = $0; sub(/^#[[:space:]]*define[[:space:]]+[A-Za-z_0-9]*\([^)]*\)/, "", line)
		inmacro = 1
	}
	inmacro {
		if (line == "") line = $0
		while (match(line, /(->|\.)?[A-Za-z_][A-Za-z_0-9]*[[:space:]]*\(/)) {
			call = substr(line, RSTART, RLENGTH); line = substr(line, RSTART + RLENGTH)
			if (call ~ /^(->|\.)/) continue
			sub(/[[:space:]]*\($/, "", call)
			if (!banned[call] && call !~ /^_Z(nw|na|dl|da)/ &&
			    (ok[call] || call ~ /^(atomic_|__builtin_|real_)/ || call ~ /_sig$/))
				continue
			printf "%s:%d: %s (signal-context macro) calls %s\n", file, NR, macro, call
			bad = 1
		}
		line = ""
		if ($0 !~ /\\[[:space:]]*$/) inmacro = 0
		next
	}
	depth == 0 && /^[A-Za-z_].*[A-Za-z_0-9]+\(/ && !/;[[:space:]]*$/ {
		s = $0; sub(/\(.*/, "", s); k = split(s, w, /[^A-Za-z_0-9]+/); name = w[k]
		if (name ~ /_sig$/ && !insig && file !~ /_sig\.c$/) {
			printf "%s:%d: %s is a _sig function before the signal-context banner\n", file, NR, name
			bad = 1
		}
	}
	depth == 0 && /^\{/ && name != "" {
		cur = (insig || name ~ /_sig$/ || file ~ /_sig\.c$/) ? name : ""
		name = ""
	}
	{
		if (cur != "" && depth > 0) {
			line = $0
			while (match(line, /(->|\.)?[A-Za-z_][A-Za-z_0-9]*[[:space:]]*\(/)) {
				call = substr(line, RSTART, RLENGTH); line = substr(line, RSTART + RLENGTH)
				if (call ~ /^(->|\.)/) continue	# through a pointer field: the program handler
				sub(/[[:space:]]*\($/, "", call)
				if (!banned[call] && call !~ /^_Z(nw|na|dl|da)/ &&
				    (ok[call] || call ~ /^(atomic_|__builtin_|real_)/ || call ~ /_sig$/)) continue
				printf "%s:%d: %s (signal context) calls %s\n", file, NR, cur, call
				bad = 1
			}
		}
		o = gsub(/\{/, "{"); c = gsub(/\}/, "}"); depth += o - c
		if (depth == 0) cur = ""
	}
	END { exit bad }' <(banner "$f") || status=1
done
if [ $status -eq 0 ]; then
	echo "lint-sig: signal-context code calls only what docs/signal-safety.md allows"
fi
exit $status
