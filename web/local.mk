# web/local.mk -- the browser client, installed to $(pkgdatadir)/web and
# served as it is (plain ES modules and CSS).
webdir = $(pkgdatadir)/web
dist_web_DATA = $(wildcard $(srcdir)/web/*.html $(srcdir)/web/*.js $(srcdir)/web/*.css)
