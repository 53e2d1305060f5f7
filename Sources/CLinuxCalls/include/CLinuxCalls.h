// Linux calls that Swift's Glibc module does not show: glibc declares them only when
// _GNU_SOURCE is defined, or in headers that module leaves out (malloc.h). Each is a thin
// wrapper.
#ifndef CLINUXCALLS_H
#define CLINUXCALLS_H

/// Swaps the two paths in one step: `renameat2(AT_FDCWD, first, AT_FDCWD, second,
/// RENAME_EXCHANGE)`. Both must exist; they may be of different kinds (a folder and a file).
/// Returns 0, or -1 with errno set (EINVAL where the file system cannot exchange).
int clinux_rename_exchange(const char *first, const char *second);

/// glibc's `mallopt(M_MMAP_THRESHOLD, bytes)` and `mallopt(M_TRIM_THRESHOLD, INT_MAX)`:
/// blocks up to `bytes` come from the heap rather than their own mapping, and freed heap
/// memory is kept for reuse rather than handed back to the kernel. Returns 1 when both
/// settings were taken, 0 otherwise (`bytes` above glibc's limit of 32 MiB).
int clinux_keep_freed_memory(int bytes);

#endif
