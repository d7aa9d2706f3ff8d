# docs/local.mk -- documentation shipped with the sources and installed.
dist_doc_DATA += $(wildcard $(srcdir)/docs/*.md)
