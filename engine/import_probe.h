/* import_probe.h -- (internal to the importer) which libsndfile formats
 * mixroom accepts, the human name of a format ("WAV 24-bit"), and a
 * minimal WAV/AIFF header sniffer that explains why libsndfile refused a
 * file (0 channels, absurd sample rate). */
#ifndef MIXROOM_ENGINE_IMPORT_PROBE_H
#define MIXROOM_ENGINE_IMPORT_PROBE_H

#include <stddef.h>

/* 1 if the libsndfile format (SF_INFO.format) is one mixroom imports:
 * WAV (incl. WAVE_FORMAT_EXTENSIBLE, RF64, W64), AIFF/AIFC, FLAC, CAF,
 * Ogg Vorbis/Opus, MPEG (MP1/2/3). Anything else libsndfile knows
 * (raw-ish and exotic formats) is refused to keep the attack surface of
 * a public upload endpoint small. */
int eng_probe_format_allowed(int sf_format);

/* "WAV 24-bit", "FLAC 16-bit", "MP3", "Ogg Vorbis", "WAV 32-bit float".. */
void eng_probe_describe(int sf_format, char *out, size_t n);

/* The container family for sentences: "WAV", "FLAC", "AIFF", "MP3".. */
const char *eng_probe_family(int sf_format);

/* Looks at the first bytes of a RIFF/WAVE or FORM/AIFF file and, if it
 * finds the format chunk, stores the declared channel count and sample
 * rate. Returns 1 when found, 0 otherwise. */
int eng_probe_sniff(const char *path, long *channels, double *rate);

/* For chunked containers (WAV, AIFF, W64, RF64, CAF) libsndfile silently
 * shortens a data chunk that runs past the end of the file. This reads
 * libsndfile's header log of the open file `sf` and, if the data chunk
 * declares more bytes than the file holds, returns the frame count the
 * header announced (scaled from `frames`, what the file really holds).
 * Returns `frames` when nothing is cut off or the log does not say;
 * streaming placeholders (size 0 or 0xFFFFFFFF) count as not cut off. */
struct sf_private_tag;
long long eng_probe_announced_frames(struct sf_private_tag *sf, long long frames);

#endif
