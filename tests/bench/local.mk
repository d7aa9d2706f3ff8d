# tests/bench/local.mk -- build fragment (see Makefile.am)
