/* fold.h -- the channel rule of the importer: mono and stereo are kept,
 * more channels are folded to stereo (see docs/assets.md):
 *   6 channels (WAV order L R C LFE Ls Rs): ITU-R BS.775 coefficients,
 *     L' = (L + g*C + g*Ls) / (1 + 2g), R' = (R + g*C + g*Rs) / (1 + 2g),
 *     g = 1/sqrt(2), LFE dropped; the division keeps a full-scale input
 *     from clipping.
 *   any other count >= 3: even-index channels (0, 2, 4, ...) are averaged
 *     into the left, odd-index channels (1, 3, ...) into the right (each
 *     side scaled by 1 / the number of channels on that side).
 * Non-finite input samples (NaN, +-Inf) become 0 on every path. */
#ifndef MIXROOM_ENGINE_FOLD_H
#define MIXROOM_ENGINE_FOLD_H

#include <stddef.h>

/* Output channel count for an input channel count (>= 1): 1 or 2. */
int eng_fold_channels(int in_channels);

/* Folds `frames` interleaved frames of in_channels into out (which has
 * eng_fold_channels(in_channels) channels). in and out may be the same
 * buffer (the fold only ever shrinks a frame). */
void eng_fold(const float *in, int in_channels, float *out, size_t frames);

#endif
