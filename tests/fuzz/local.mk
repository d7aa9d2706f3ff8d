# tests/fuzz/local.mk -- build fragment (see Makefile.am)
