/* hashfile.h -- SHA-256 of a file, streamed (libsodium), as the lowercase
 * hex string that names content-addressed asset directories. */
#ifndef MIXROOM_ENGINE_HASHFILE_H
#define MIXROOM_ENGINE_HASHFILE_H

/* Hashes the file at path in 64 KiB reads and writes 64 lowercase hex
 * digits plus NUL into hex. Returns 0, or -1 with errno set (open/read
 * failure, or libsodium failing to initialise). */
int eng_sha256_file(const char *path, char hex[65]);

#endif
