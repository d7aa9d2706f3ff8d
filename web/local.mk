# web/local.mk -- build fragment (see Makefile.am)
