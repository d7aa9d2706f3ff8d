/* opus_decode.c -- test helper for tests/integration/preview.test.mjs:
 * reads Opus packets from stdin, each as a little-endian u32 length and
 * the packet bytes, decodes them with libopus (48 kHz stereo) and writes
 * the PCM as interleaved 32-bit floats to stdout. Node has no libopus. */
#include <opus.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    int err;
    OpusDecoder *d = opus_decoder_create(48000, 2, &err);
    unsigned char len4[4], pkt[4000];
    float pcm[2 * 5760];

    if (!d)
        return 1;
    while (fread(len4, 1, 4, stdin) == 4) {
        unsigned len = (unsigned)len4[0] | (unsigned)len4[1] << 8 |
                       (unsigned)len4[2] << 16 | (unsigned)len4[3] << 24;
        if (len > sizeof pkt || fread(pkt, 1, len, stdin) != len)
            return 1;
        int n = opus_decode_float(d, pkt, (opus_int32)len, pcm, 5760, 0);
        if (n < 0)
            return 1;
        fwrite(pcm, sizeof(float), (size_t)n * 2, stdout);
    }
    opus_decoder_destroy(d);
    return 0;
}
