// Linux calls that Swift's Glibc module does not show: glibc declares them only when
// _GNU_SOURCE is defined, and that module is built without it. Each is a thin wrapper.
#ifndef CLINUXCALLS_H
#define CLINUXCALLS_H

/// Swaps the two paths in one step: `renameat2(AT_FDCWD, first, AT_FDCWD, second,
/// RENAME_EXCHANGE)`. Both must exist; they may be of different kinds (a folder and a file).
/// Returns 0, or -1 with errno set (EINVAL where the file system cannot exchange).
int clinux_rename_exchange(const char *first, const char *second);

#endif
