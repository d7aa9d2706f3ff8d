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
	web/projects.js \
	web/studio.js \
	web/sync.js \
	web/timeline.js \
	web/ui.js \
	web/upload.js \
	web/waveform.js
