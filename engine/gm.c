/* gm.c -- General MIDI instruments through FluidSynth: one fluid_synth_t
 * per instrument track state (created by eng_inst_prepare, off the audio
 * path), all sharing one SoundFont (MX_SOUNDFONT, Debian's
 * fluid-soundfont-gm) that is loaded once per process, on first use, and
 * kept until exit. FluidSynth's own reverb and chorus are off: the
 * track's effects do that. Without HAVE_FLUIDSYNTH every function is a
 * no-op and gm tracks are silent (protocol/ refuses them anyway).
 *
 * Global state: the shared SoundFont (sf_*) below, guarded by sf_mu; it
 * is only read by the synths once loaded. */
#include <config.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/inst_priv.h"

#ifdef HAVE_FLUIDSYNTH
#include <fluidsynth.h>
#include <pthread.h>

struct eng_gm {
    fluid_settings_t *set;
    fluid_synth_t *syn;
    int sfid;
};

static pthread_mutex_t sf_mu = PTHREAD_MUTEX_INITIALIZER;
static fluid_settings_t *sf_set; /* the owner of the shared SoundFont */
static fluid_synth_t *sf_owner;
static fluid_sfont_t *sf_font;
static bool sf_failed;

bool eng_gm_available(void)
{
    return true;
}

/* The shared SoundFont, loaded on first use; NULL when it cannot be. */
static fluid_sfont_t *shared_font(void)
{
    fluid_sfont_t *f;
    pthread_mutex_lock(&sf_mu);
    if (!sf_font && !sf_failed) {
        fluid_set_log_function(FLUID_WARN, NULL, NULL);
        fluid_set_log_function(FLUID_INFO, NULL, NULL);
        fluid_set_log_function(FLUID_DBG, NULL, NULL);
        sf_set = new_fluid_settings();
        if (sf_set) {
            fluid_settings_setint(sf_set, "synth.dynamic-sample-loading", 0);
            sf_owner = new_fluid_synth(sf_set);
        }
        int id = sf_owner ? fluid_synth_sfload(sf_owner, MX_SOUNDFONT, 0)
                          : FLUID_FAILED;
        if (id != FLUID_FAILED)
            sf_font = fluid_synth_get_sfont_by_id(sf_owner, id);
        sf_failed = sf_font == NULL;
    }
    f = sf_font;
    pthread_mutex_unlock(&sf_mu);
    return f;
}

eng_gm *eng_gm_new(int fs)
{
    fluid_sfont_t *font = shared_font();
    eng_gm *g = font ? calloc(1, sizeof *g) : NULL;
    if (!g)
        return NULL;
    g->sfid = FLUID_FAILED;
    g->set = new_fluid_settings();
    if (!g->set)
        goto fail;
    fluid_settings_setnum(g->set, "synth.sample-rate", (double)fs);
    fluid_settings_setint(g->set, "synth.reverb.active", 0);
    fluid_settings_setint(g->set, "synth.chorus.active", 0);
    fluid_settings_setint(g->set, "synth.polyphony", 4 * ENG_INST_VOICES);
    fluid_settings_setint(g->set, "synth.threadsafe-api", 0);
    fluid_settings_setint(g->set, "synth.cpu-cores", 1);
    fluid_settings_setnum(g->set, "synth.gain", 0.5);
    g->syn = new_fluid_synth(g->set);
    if (!g->syn)
        goto fail;
    g->sfid = fluid_synth_add_sfont(g->syn, font);
    if (g->sfid == FLUID_FAILED)
        goto fail;
    fluid_synth_program_select(g->syn, 0, g->sfid, 0, 0);
    return g;
fail:
    eng_gm_free(g);
    return NULL;
}

void eng_gm_free(eng_gm *g)
{
    if (!g)
        return;
    if (g->syn) {
        fluid_synth_all_sounds_off(g->syn, -1);
        if (g->sfid != FLUID_FAILED)
            fluid_synth_remove_sfont(g->syn, sf_font); /* shared: not freed */
        delete_fluid_synth(g->syn);
    }
    if (g->set)
        delete_fluid_settings(g->set);
    free(g);
}

void eng_gm_program(eng_gm *g, int bank, int program)
{
    if (g)
        fluid_synth_program_select(g->syn, 0, g->sfid, bank, program);
}

void eng_gm_note_on(eng_gm *g, int pitch, int vel)
{
    if (g)
        fluid_synth_noteon(g->syn, 0, pitch, vel);
}

void eng_gm_note_off(eng_gm *g, int pitch)
{
    if (g)
        fluid_synth_noteoff(g->syn, 0, pitch);
}

void eng_gm_all_off(eng_gm *g)
{
    if (g)
        fluid_synth_all_sounds_off(g->syn, 0);
}

void eng_gm_run(eng_gm *g, float *L, float *R, int n)
{
    if (!g || fluid_synth_write_float(g->syn, n, L, 0, 1, R, 0, 1) != FLUID_OK) {
        memset(L, 0, (size_t)n * sizeof *L);
        memset(R, 0, (size_t)n * sizeof *R);
    }
}

#else /* no FluidSynth: gm is silent */

bool eng_gm_available(void)
{
    return false;
}

eng_gm *eng_gm_new(int fs)
{
    (void)fs;
    return NULL;
}

void eng_gm_free(eng_gm *g)
{
    (void)g;
}

void eng_gm_program(eng_gm *g, int bank, int program)
{
    (void)g, (void)bank, (void)program;
}

void eng_gm_note_on(eng_gm *g, int pitch, int vel)
{
    (void)g, (void)pitch, (void)vel;
}

void eng_gm_note_off(eng_gm *g, int pitch)
{
    (void)g, (void)pitch;
}

void eng_gm_all_off(eng_gm *g)
{
    (void)g;
}

void eng_gm_run(eng_gm *g, float *L, float *R, int n)
{
    (void)g;
    memset(L, 0, (size_t)n * sizeof *L);
    memset(R, 0, (size_t)n * sizeof *R);
}
#endif
