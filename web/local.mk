# web/local.mk -- the browser client, installed to $(pkgdatadir)/web and
# served as it is (plain ES modules and CSS, no build step). Every file is
# listed so that `make dist` and `make install` carry it.
webdir = $(pkgdatadir)/web
dist_web_DATA = \
	web/index.html \
	web/style.css \
	web/app.js \
	web/api.js \
	web/clipedit.js \
	web/doc.js \
	web/effects.js \
	web/mixer.js \
	web/order.js \
	web/presence.js \
	web/colors.js \
	web/collab.js \
	web/collab.css \
	web/overview.js \
	web/projects.js \
	web/studio.js \
	web/sync.js \
	web/timeline.js \
	web/ui.js \
	web/notifications.js \
	web/upload.js \
	web/waveform.js \
	web/worklet.js \
	web/recworklet.js \
	web/record.js \
	web/record.css \
	web/recview.js \
	web/takes.js \
	web/takeupload.js \
	web/latency.js \
	web/metronome.js \
	web/decoder.js \
	web/player.js \
	web/transport.js \
	web/comments.js \
	web/history.js \
	web/exportdlg.js \
	web/guest.html \
	web/guest.css \
	web/guest.js \
	web/share.js \
	web/meters.js \
	web/notes.css \
	web/notes.js \
	web/instruments.js \
	web/instrument.js \
	web/pianoroll.js \
	web/stepseq.js \
	web/midiin.js \
	web/mobile.css \
	web/layout.js
# editing habits: automation lanes, clipboard, selection, context menu (owner: h19-edit)
dist_web_DATA += web/automation.js web/automation.css web/clipboard.js \
	web/selection.js web/contextmenu.js
# The WebAssembly Opus decoder (fallback when WebCodecs is missing) and its
# licences, copied from node_modules by web/vendor/update.sh.
webvendordir = $(webdir)/vendor
dist_webvendor_DATA = web/vendor/opus-decoder.min.js web/vendor/LICENSE.opus-decoder.txt
EXTRA_DIST += web/vendor/update.sh
