/* hashfile.c -- streaming SHA-256 of a file with libsodium's
 * crypto_hash_sha256_* (never the whole file in memory). */
#include "engine/hashfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

int eng_sha256_file(const char *path, char hex[65])
{
    crypto_hash_sha256_state st;
    unsigned char buf[65536], digest[crypto_hash_sha256_BYTES];
    int fd, rc = -1, saved = 0;
    ssize_t r;

    if (sodium_init() < 0) {
        errno = EIO;
        return -1;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    crypto_hash_sha256_init(&st);
    while ((r = read(fd, buf, sizeof buf)) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            saved = errno;
            goto out;
        }
        crypto_hash_sha256_update(&st, buf, (unsigned long long)r);
    }
    crypto_hash_sha256_final(&st, digest);
    sodium_bin2hex(hex, 65, digest, sizeof digest);
    rc = 0;
out:
    close(fd);
    if (rc != 0)
        errno = saved;
    return rc;
}
