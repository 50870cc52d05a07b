# Extra compiler flags and libraries for programs in tests/progs/ (PROG_FLAGS_name, PROG_LIBS_name).
# Without an entry a program is built with $(PROG_CFLAGS): -g -O2, which on x86_64 omits
# frame pointers, as Debian's own libraries do.
# Shared objects that tests/unit/symbols_test dlopens: DWARF 4, and compressed DWARF 5.
PROG_FLAGS_symtest_dwarf4 = -shared -fPIC -gdwarf-4
PROG_FLAGS_symtest_gz = -shared -fPIC -gz=zlib
PROG_FLAGS_static_hello := -static
PROG_FLAGS_cpu_dlopen   := -rdynamic
PROG_LIBS_cpu_dlopen    := -ldl
PROG_FLAGS_early_threads := -L$(B)/tests/progs -Wl,-rpath,$(CURDIR)/$(B)/tests/progs
PROG_LIBS_early_threads  := -learly
$(B)/tests/progs/early_threads: $(B)/tests/progs/libearly.so
PROG_FLAGS_early_locks := -L$(B)/tests/progs -Wl,-rpath,$(CURDIR)/$(B)/tests/progs
PROG_LIBS_early_locks  := -learlylocks
$(B)/tests/progs/early_locks: $(B)/tests/progs/libearlylocks.so
PROG_FLAGS_threadcreate := -L$(B)/tests/progs -Wl,-rpath,$(CURDIR)/$(B)/tests/progs
PROG_LIBS_threadcreate  := -lthreadlib
$(B)/tests/progs/threadcreate: $(B)/tests/progs/libthreadlib.so
PROG_FLAGS_heap_preinit := -L$(B)/tests/progs -Wl,-rpath,$(CURDIR)/$(B)/tests/progs
PROG_LIBS_heap_preinit  := -lheapearly -ldl
$(B)/tests/progs/heap_preinit: $(B)/tests/progs/libheapearly.so
# A real call of abs through the PLT, not GCC's builtin.
PROG_FLAGS_cpu_plt := -fno-builtin
